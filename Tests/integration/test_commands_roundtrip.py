"""Issue 6: the remote commands daemon end to end: real mosquitto, the real bridge, the real
`chargebus commands`, and a Python `ocpp` 1.6 charge point that answers like a charger."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from conftest import attach_log
from support.commands_support import CommandsChargePoint, CommandsDaemon, command, new_id
from support.mqtt import response_properties
from support.ocpp_peer import ConnectedCharger

CALL_TIMEOUT = 2


@pytest.fixture
def daemon_factory(chargebus_bin, mosquitto, data_dir, tmp_path, request):
    made = []

    def make(**kw) -> CommandsDaemon:
        n = len(made) + 1
        log = tmp_path / f"commands-{n}.log"
        attach_log(request, f"chargebus commands #{n}", log)
        d = CommandsDaemon(chargebus_bin, mqtt_url=mosquitto.url, data_dir=data_dir, log_path=log,
                           config_path=tmp_path / f"commands-{n}.yaml", **kw)
        made.append(d)
        return d.start()

    yield make
    for d in made:
        d.stop()


@pytest.fixture
async def rig(cli, bridge_factory, bus, charger_password, daemon_factory):
    cli.add_charger("CP-1", charger_password, site="north")
    cli.add_charger("CP-2", "south-charger-pw-1", site="south")
    cli.add_charger("CP-OFF", "never-connected-pw-1", site="north")
    cli.add_idtag("TAG-1")
    bridge = bridge_factory(call_timeout=CALL_TIMEOUT)
    daemon = daemon_factory()
    async with ConnectedCharger(bridge.url("CP-1"), "CP-1", charger_password, cp_class=CommandsChargePoint) as cp:
        assert (await cp.boot()).status == "Accepted"
        for c in (0, 1, 2):
            await cp.status(c, "Available")
        await bus.wait_for_async("ev/chargers/CP-1/connectors/2/status", lambda p: p["status"] == "Available")
        await bus.wait_for_async("ev/chargers/CP-1/state", lambda p: p["online"] is True)
        await asyncio.sleep(0.3)
        yield cp, bridge, daemon


async def test_every_command_round_trip(rig, bus):
    cp, _, _ = rig
    simple = [
        ("reset", {"type": "soft"}, "Reset", {"status": "Accepted"}),
        ("reboot", {}, "Reset", {"status": "Accepted"}),
        ("unlock", {"connector": 1}, "UnlockConnector", {"status": "Unlocked"}),
        ("get-configuration", {"keys": ["HeartbeatInterval", "Nope"]}, "GetConfiguration", None),
        ("change-configuration", {"key": "HeartbeatInterval", "value": "60"}, "ChangeConfiguration", {"status": "Accepted"}),
        ("clear-cache", {}, "ClearCache", {"status": "Accepted"}),
        ("trigger-message", {"message": "StatusNotification", "connector": 1}, "TriggerMessage", {"status": "Accepted"}),
        ("change-availability", {"connector": 2, "type": "inoperative"}, "ChangeAvailability", {"status": "Accepted"}),
        ("change-availability", {"connector": 2, "type": "operative"}, "ChangeAvailability", {"status": "Accepted"}),
        ("get-diagnostics", {"location": "ftp://logs.example.com/upload"}, "GetDiagnostics", {"fileName": "diag-0001.tar.gz"}),
        ("data-transfer", {"vendorId": "com.example", "messageId": "Ping", "data": "ping"}, "DataTransfer",
         {"status": "Accepted", "data": "pong"}),
    ]
    for name, params, action, response in simple:
        before = len(cp.received)
        r = await command(bus, "CP-1", name, params)
        assert r["status"] == "Accepted", (name, r)
        assert "message" not in r and r["by"] == "ada" and r["charger"] == "CP-1" and r["command"] == name
        assert cp.actions()[before:] == [action], (name, cp.received[before:])
        if response is not None:
            assert r["response"] == response, (name, r)
        await asyncio.sleep(0.4)  # let Reset's follow-up statuses settle
    r = await command(bus, "CP-1", "get-configuration", {"keys": ["HeartbeatInterval", "Nope"]})
    assert r["response"]["configurationKey"][0]["value"] == "300" and r["response"]["unknownKey"] == ["Nope"], r

    # remote-start, then remote-stop by connector (the daemon looks the transaction up).
    mark = bus.mark()
    r = await command(bus, "CP-1", "remote-start", {"connector": 1, "idTag": "TAG-1"})
    assert r["status"] == "Accepted", r
    started = await bus.wait_for_async("ev/chargers/CP-1/transactions", lambda p: p["event"] == "started", since=mark)
    await asyncio.sleep(0.3)
    r = await command(bus, "CP-1", "remote-stop", {"connector": 1})
    assert r["status"] == "Accepted", r
    assert ("RemoteStopTransaction", {"transaction_id": started.json["transactionId"]}) in cp.received
    await bus.wait_for_async("ev/chargers/CP-1/transactions", lambda p: p["event"] == "stopped" and p["reason"] == "Remote", since=mark)

    # update-firmware: accepted at once (final:false), then followed to Installed.
    mark = bus.mark()
    r = await command(bus, "CP-1", "update-firmware", {"location": "https://fw.example.com/v2.bin"}, timeout=30)
    assert r["status"] == "Accepted" and r["details"]["firmwareStatus"] == "Installed", r
    assert r["details"]["history"] == ["Downloading", "Downloaded", "Installing", "Installed"], r
    progress = [m.json for m in bus.select("ev/chargers/CP-1/commands/update-firmware/result", since=mark)]
    assert [p["final"] for p in progress][-1] is True and progress[0]["final"] is False, progress


async def test_clear_fault_cycles_availability(rig, bus):
    cp, _, _ = rig
    await cp.set_status(2, "Faulted", "OtherError")
    await bus.wait_for_async("ev/chargers/CP-1/connectors/2/status", lambda p: p["status"] == "Faulted")
    await asyncio.sleep(0.3)
    before = len(cp.received)
    r = await command(bus, "CP-1", "clear-fault", {}, user="ian")
    assert r["status"] == "Accepted", r
    assert r["details"]["connector"] == 2 and r["details"]["escalated"] is False and r["details"]["returnedToAvailable"] is True, r
    assert cp.received[before:] == [("ChangeAvailability", {"connector_id": 2, "type": "Inoperative"}),
                                    ("ChangeAvailability", {"connector_id": 2, "type": "Operative"})]


async def test_clear_fault_escalates_to_soft_reset(rig, bus):
    cp, _, _ = rig
    cp.faulted = {1}
    await cp.set_status(1, "Faulted", "OtherError")
    await bus.wait_for_async("ev/chargers/CP-1/connectors/1/status", lambda p: p["status"] == "Faulted")
    await asyncio.sleep(0.3)
    r = await command(bus, "CP-1", "clear-fault", {}, timeout=30)
    assert r["status"] == "Accepted" and r["details"]["escalated"] is True, r
    assert "Reset" in cp.actions()
    # A fault that nothing clears: Timeout with a message saying so.
    cp.faulted = {1}
    cp.sticky_fault = True
    await cp.set_status(1, "Faulted", "OtherError")
    await asyncio.sleep(0.3)
    r = await command(bus, "CP-1", "clear-fault", {"connector": 1}, timeout=30)
    assert r["status"] == "Timeout" and r["details"]["returnedToAvailable"] is False, r
    assert "did not return to Available" in r["message"], r


async def test_denied_by_role_and_by_site(rig, bus):
    cp, _, _ = rig
    before = len(cp.received)
    r = await command(bus, "CP-1", "clear-cache", {}, user="ian")
    assert r["status"] == "Denied" and "Installer" in r["message"], r
    r = await command(bus, "CP-1", "get-configuration", {}, user="cpo")
    assert r["status"] == "Denied" and "view only" in r["message"], r
    r = await command(bus, "CP-2", "reset", {}, user="dee")
    assert r["status"] == "Denied" and "south" in r["message"], r
    r = await command(bus, "CP-1", "reset", {}, user="mallory")
    assert r["status"] == "Denied" and "mallory" in r["message"], r
    # `by` alone is not trusted: the bound topic is dee, the payload claims ada.
    r = await command(bus, "CP-1", "reset", {}, user="dee", by="ada")
    assert r["status"] == "Denied" and "broker authenticated dee" in r["message"], r
    # Unbound topic, identity mode broker.
    r = await command(bus, "CP-1", "reset", {}, user=None, by="ada")
    assert r["status"] == "Denied" and "/by/" in r["message"], r
    assert len(cp.received) == before, cp.received[before:]
    r = await command(bus, "CP-1", "get-configuration", {}, user="dee")
    assert r["status"] == "Accepted", r


async def test_refused_while_charging_unless_forced_by_admin(rig, bus):
    cp, _, _ = rig
    mark = bus.mark()
    assert (await command(bus, "CP-1", "remote-start", {"connector": 1, "idTag": "TAG-1"}))["status"] == "Accepted"
    await bus.wait_for_async("ev/chargers/CP-1/connectors/1/status", lambda p: p["status"] == "Charging", since=mark)
    await asyncio.sleep(0.3)
    before = len(cp.received)
    for name in ("reset", "reboot", "clear-fault"):
        r = await command(bus, "CP-1", name, {}, user="dee")
        assert r["status"] == "Busy" and "connector 1" in r["message"], r
    r = await command(bus, "CP-1", "change-availability", {"connector": 1, "type": "inoperative"}, user="dee")
    assert r["status"] == "Busy", r
    r = await command(bus, "CP-1", "reset", {}, user="dee", force=True)
    assert r["status"] == "Denied", r
    assert len(cp.received) == before
    r = await command(bus, "CP-1", "reset", {"type": "soft"}, user="ada", force=True)
    assert r["status"] == "Accepted", r
    assert cp.actions()[before:] == ["Reset"]


async def test_duplicate_id_returns_the_first_result_and_executes_once(rig, bus, daemon_factory):
    cp, _, daemon = rig
    rid = new_id()
    first = await command(bus, "CP-1", "reboot", {}, id=rid)
    assert first["status"] == "Accepted"
    n = cp.actions().count("Reset")
    again = await command(bus, "CP-1", "reboot", {}, id=rid)
    assert again == first
    # Also across a restart of the daemon.
    daemon.stop()
    daemon_factory()
    again = await command(bus, "CP-1", "reboot", {}, id=rid)
    assert again == first
    await asyncio.sleep(0.5)
    assert cp.actions().count("Reset") == n


async def test_offline_charger(rig, bus, cli):
    cp, _, _ = rig
    r = await command(bus, "CP-OFF", "reboot", {})
    assert r["status"] == "Offline" and "offline" in r["message"], r
    # And a charger that disconnects.
    await cp._connection.close()
    await bus.wait_for_async("ev/chargers/CP-1/state", lambda p: p["online"] is False, timeout=15)
    await asyncio.sleep(0.3)
    r = await command(bus, "CP-1", "unlock", {"connector": 1})
    assert r["status"] == "Offline", r


async def test_timeout_when_the_charger_does_not_answer(rig, bus):
    cp, _, _ = rig
    cp.silent = True
    r = await command(bus, "CP-1", "reset", {}, timeout=20)
    assert r["status"] == "Timeout" and r["message"], r


async def test_time_limited_remote_start_stops_by_itself(rig, bus, cli):
    cp, _, _ = rig
    mark = bus.mark()
    r = await command(bus, "CP-1", "remote-start", {"connector": 2, "idTag": "TAG-1", "minutes": 0.05})
    assert r["status"] == "Accepted" and r["details"]["limit"] == {"minutes": 0.05}, r
    started = await bus.wait_for_async("ev/chargers/CP-1/transactions", lambda p: p["event"] == "started", since=mark)
    stopped = await bus.wait_for_async("ev/chargers/CP-1/transactions", lambda p: p["event"] == "stopped", since=mark, timeout=15)
    assert stopped.json["transactionId"] == started.json["transactionId"] and stopped.json["reason"] == "Remote"
    assert ("RemoteStopTransaction", {"transaction_id": started.json["transactionId"]}) in cp.received
    await asyncio.sleep(0.5)
    audit = cli.run("commands", "audit", "--charger", "CP-1", "--json").stdout
    kinds = [json.loads(line)["kind"] for line in audit.splitlines()]
    assert "limit-armed" in kinds and "limit-reached" in kinds and "limit-done" in kinds, kinds


async def test_bad_input_is_invalid_and_the_daemon_keeps_running(rig, bus):
    cp, _, daemon = rig
    r = await command(bus, "CP-1", "reboot", raw=b"{not json")
    assert r["status"] == "Invalid" and "JSON" in r["message"], r
    r = await command(bus, "CP-1", "self-destruct", {})
    assert r["status"] == "Invalid" and "unknown command" in r["message"], r
    r = await command(bus, "CP-1", "unlock", {"connector": 9})
    assert r["status"] == "Invalid" and "connector" in r["message"], r
    r = await command(bus, "CP-1", "remote-start", {"connector": 1})
    assert r["status"] == "Invalid" and "idTag" in r["message"], r
    r = await command(bus, "CP-NOBODY", "reboot", {})
    assert r["status"] == "Invalid" and "unknown charger" in r["message"], r
    assert daemon.running
    assert (await command(bus, "CP-1", "clear-cache", {}))["status"] == "Accepted"


async def test_result_on_the_mqtt5_response_topic(rig, bus, collector_factory):
    replies = collector_factory(["ev/replies/#"])
    correlation = b"\x01corr-42"
    r = await command(bus, "CP-1", "clear-cache", {}, properties=response_properties("ev/replies/ada/x1", correlation))
    reply = await replies.wait_for_async("ev/replies/ada/x1", lambda p: p["id"] == r["id"])
    assert reply.json == r
    assert getattr(reply.properties, "CorrelationData", None) == correlation


async def test_rate_limit_per_charger(cli, bridge_factory, bus, charger_password, daemon_factory):
    cli.add_charger("CP-1", charger_password, site="north")
    bridge = bridge_factory(call_timeout=CALL_TIMEOUT)
    daemon_factory(rate=2)
    async with ConnectedCharger(bridge.url("CP-1"), "CP-1", charger_password, cp_class=CommandsChargePoint) as cp:
        await cp.boot()
        await bus.wait_for_async("ev/chargers/CP-1/state", lambda p: p["online"] is True)
        await asyncio.sleep(0.3)
        assert (await command(bus, "CP-1", "clear-cache", {}))["status"] == "Accepted"
        assert (await command(bus, "CP-1", "clear-cache", {}))["status"] == "Accepted"
        r = await command(bus, "CP-1", "clear-cache", {})
        assert r["status"] == "Busy" and "rate limit" in r["message"], r


async def test_audit_log_records_everything(rig, bus, cli, data_dir):
    r = await command(bus, "CP-1", "clear-cache", {}, user="dee")
    await asyncio.sleep(0.3)
    db = sqlite3.connect(data_dir / "commands.sqlite")
    kinds = [k for (k,) in db.execute("SELECT kind FROM audit WHERE requestId = ? ORDER BY seq", (r["id"],))]
    assert kinds == ["received", "decision", "call", "answer", "result"], kinds
    out = cli.run("commands", "audit", "--user", "dee", "--since", "1h").stdout
    assert r["id"] in out and "ClearCache" in out, out


async def test_update_firmware_is_followed_across_a_daemon_restart(rig, bus, daemon_factory):
    cp, _, daemon = rig
    cp.firmware_step_delay = 1.5
    mark = bus.mark()
    rid = new_id()
    await asyncio.to_thread(bus.publish, "ev/chargers/CP-1/commands/update-firmware/by/ada",
                            {"id": rid, "params": {"location": "https://fw.example.com/v3.bin"}}, qos=1)
    await bus.wait_for_async("ev/chargers/CP-1/commands/update-firmware/result", lambda p: p["id"] == rid, since=mark)
    daemon.stop()  # while the charger downloads
    daemon_factory()
    final = await bus.wait_for_async("ev/chargers/CP-1/commands/update-firmware/result",
                                     lambda p: p["id"] == rid and p["final"] is True, since=mark, timeout=30)
    assert final.json["status"] == "Accepted" and final.json["details"]["firmwareStatus"] == "Installed", final
    assert cp.actions().count("UpdateFirmware") == 1
