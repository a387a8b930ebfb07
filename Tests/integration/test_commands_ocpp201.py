"""Issue 7 meets issue 6: the commands daemon keeps its one contract whatever a charger speaks. A
remote stop (by connector, and by the charger's own string transaction id) and a time-limited remote
start reach an OCPP 2.0.1 charger as RequestStopTransaction / RequestStartTransaction."""

from __future__ import annotations

import asyncio

import pytest

from conftest import attach_log
from support.commands_support import CommandsDaemon, command
from support.ocpp201_peer import connected201, energy, tx_id
from support.ocpp_peer import utcnow

CP = "CP-201-CMD"


@pytest.fixture
def commands_daemon(chargebus_bin, mosquitto, data_dir, tmp_path, request):
    log = tmp_path / "commands.log"
    attach_log(request, "chargebus commands", log)
    daemon = CommandsDaemon(chargebus_bin, mqtt_url=mosquitto.url, data_dir=data_dir, log_path=log,
                            config_path=tmp_path / "commands.yaml")
    yield daemon
    daemon.stop()


async def start_session(cp, bus, tag="TAG-201"):
    tid = tx_id()
    await cp.tx_event("Started", tid, trigger="Authorized", charging_state="Charging", evse=1, tag=tag,
                      meter=energy(1000, "Transaction.Begin", utcnow()), timestamp=utcnow())
    await bus.wait_for_async(f"ev/chargers/{CP}/transactions", lambda p: p["event"] == "started" and p["transactionId"] == tid)
    await asyncio.sleep(0.3)  # the daemon sees the same event
    return tid


async def test_remote_stop_reaches_a_201_charger(cli, bridge_factory, bus, charger_password, commands_daemon):
    cli.add_charger(CP, charger_password, site="north")
    cli.add_idtag("TAG-201")
    bridge = bridge_factory(call_timeout=3)
    commands_daemon.start()
    async with connected201(bridge.url(CP), CP, charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Occupied")

        # By connector: the daemon resolves the open transaction (a string) itself.
        tid = await start_session(cp, bus)
        result = await command(bus, CP, "remote-stop", {"connector": 1})
        assert result["status"] == "Accepted", result
        assert (await cp.wait_call("RequestStopTransaction"))["transactionId"] == tid

        # By the charger's own transaction id.
        tid2 = await start_session(cp, bus)
        result = await command(bus, CP, "remote-stop", {"transactionId": tid2})
        assert result["status"] == "Accepted", result
        assert (await cp.wait_call("RequestStopTransaction", count=2))["transactionId"] == tid2
