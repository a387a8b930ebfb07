"""Health daemon end to end: a real mosquitto, the real bridge, OCPP 1.6 chargers (the Python
`ocpp` ChargePoint) and the real `chargebus health`. Chargers fault, charge, disconnect, go
silent and lose their bridge; ev/fleet/health, ev/sites/{site}/health, ev/fleet/problems,
ev/chargers/{cp}/health and ev/sessions/{cp}/{n} follow. Then the daemon restarts in the middle
of an outage, and `chargebus report availability` and `chargebus health status` read the result."""

from __future__ import annotations

import asyncio
import datetime as dt
import contextlib
import json
import signal

from support.health_daemon import health_factory, latest  # noqa: F401  (fixture)
from support.ocpp_peer import ConnectedCharger, utcnow

HEARTBEAT = 2  # the bridge's interval; the health daemon's grace is 1.5 → silent after 3 s

DC, AC1, AC2 = "CP-H-DC", "CP-H-AC1", "CP-H-AC2"


def counts(scope: str, **expected):
    """A predicate on a summary payload: payload[scope][bucket] == n for each given bucket."""
    def check(p):
        return all(p[scope][k] == v for k, v in expected.items())
    return check


async def keep_beating(cp, every: float = 0.7):
    while True:
        await cp.heartbeat()
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def beating_charger(bridge, cp_id, password):
    conn = ConnectedCharger(bridge.url(cp_id), cp_id, password)
    cp = await conn.__aenter__()
    await cp.boot()
    task = asyncio.create_task(keep_beating(cp))
    try:
        yield conn, cp, task
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await conn.close()


def register(cli, passwords):
    cli.add_charger(DC, passwords[DC], site="SITE-N", klass="L3", connectors=2, max_power_kw=150)
    cli.add_charger(AC1, passwords[AC1], site="SITE-N", klass="L2", connectors=2, max_power_kw=22)
    cli.add_charger(AC2, passwords[AC2], site="SITE-S", klass="L2", connectors=1, max_power_kw=22)
    cli.add_idtag("TAG-H")


def passwords_for(ids):
    from conftest import make_password
    return {cp: make_password() for cp in ids}


async def test_fleet_follows_faults_sessions_disconnects_silence_and_bridge_loss(
        cli, bridge_factory, health_factory, collector_factory, mosquitto, tmp_path):
    pw = passwords_for([DC, AC1, AC2])
    register(cli, pw)
    bridge = bridge_factory(heartbeat_interval=HEARTBEAT, offline_grace=60)  # the bridge itself never times out here
    bus = collector_factory(("ev/fleet/#", "ev/sites/#", "ev/sessions/#", "ev/chargers/+/health"))
    health = health_factory(interval=HEARTBEAT)

    # Registered, never connected: three Offline chargers, 1 DC and 2 AC.
    await bus.wait_for_async("ev/fleet/health", counts("all", offline=3, total=3), timeout=15)
    await bus.wait_for_async("ev/fleet/health", counts("L3", offline=1, total=1))
    await bus.wait_for_async("ev/sites/SITE-S/health", counts("all", offline=1, total=1))

    async with beating_charger(bridge, DC, pw[DC]) as (_, dc, dc_first_beat), \
            beating_charger(bridge, AC1, pw[AC1]) as (_, ac1, _), \
            beating_charger(bridge, AC2, pw[AC2]) as (ac2_conn, ac2, ac2_beat):
        for cp, n in ((dc, 2), (ac1, 2), (ac2, 1)):
            for connector in range(0, n + 1):
                await cp.status(connector, "Available")
        await bus.wait_for_async("ev/fleet/health", counts("all", available=3, total=3), timeout=15)
        await bus.wait_for_async("ev/fleet/problems", lambda p: p["count"] == 0)

        # -- the DC charger faults --
        mark = bus.mark()
        await dc.status(1, "Faulted", "GroundFailure", vendor_id="com.evgo.mrec", vendor_error_code="F003")
        await bus.wait_for_async("ev/fleet/health", counts("L3", faulted=1, available=0), since=mark)
        problems = (await bus.wait_for_async("ev/fleet/problems", lambda p: p["count"] == 1, since=mark)).json
        p = problems["problems"][0]
        assert (p["chargerId"], p["bucket"], p["site"], p["class"]) == (DC, "Faulted", "SITE-N", "L3"), p
        assert (p["connector"], p["errorCode"], p["vendorId"], p["vendorErrorCode"]) == (1, "GroundFailure", "com.evgo.mrec", "F003"), p
        assert p["lastEventAt"] and p["since"], p
        h = (await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Faulted", since=mark)).json
        assert h["connectors"]["1"]["status"] == "Faulted" and h["class"] == "L3" and h["site"] == "SITE-N", h
        assert h["heartbeatIntervalS"] == HEARTBEAT, h

        # -- a bad payload is skipped, the daemon keeps going --
        bus.publish(f"ev/chargers/{DC}/connectors/2/status", b"{not json", qos=1)
        bus.publish(f"ev/chargers/{DC}/heartbeat", b'{"at":"yesterday"}', qos=1)

        # -- AC1 charges: a live session with energy, power, SoC; cleared on stop --
        mark = bus.mark()
        # Started 10 min ago (charger time), so 2.5 kWh since is a plausible 15 kW.
        started = await ac1.start_tx(1, "TAG-H", meter_start=1000, timestamp=utcnow() - dt.timedelta(minutes=10))
        tx = started.transaction_id
        await ac1.status(1, "Charging")
        await bus.wait_for_async("ev/fleet/health", counts("L2", charging=1), since=mark)
        await ac1.meter(1, [
            {"value": "3500", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
            {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
            {"value": "42", "measurand": "SoC", "unit": "Percent"},
        ], tx=tx)
        session = (await bus.wait_for_async(f"ev/sessions/{AC1}/1", lambda p: p["energyWh"] == 2500, since=mark)).json
        assert session["transactionId"] == tx and session["idTag"] == "TAG-H", session
        assert session["powerW"] == 11000 and session["soc"] == 42 and 590 < session["durationS"] < 700, session
        assert session["startedAt"] and session["meterStartWh"] == 1000, session
        mark = bus.mark()
        await ac1.stop_tx(tx, meter_stop=4000)
        await ac1.status(1, "Finishing")
        deadline = asyncio.get_running_loop().time() + 10  # the clear is an empty retained payload
        while not any(m.payload == b"" for m in bus.select(f"ev/sessions/{AC1}/1", since=mark)):
            assert asyncio.get_running_loop().time() < deadline, bus.select(f"ev/sessions/{AC1}/1", since=mark)
            await asyncio.sleep(0.05)
        await bus.wait_for_async("ev/fleet/health", counts("L2", charging=0, available=2), since=mark)

        # -- AC2 disconnects --
        mark = bus.mark()
        ac2_beat.cancel()
        await ac2_conn.close()
        await bus.wait_for_async("ev/sites/SITE-S/health", counts("all", offline=1), since=mark)
        problems = (await bus.wait_for_async("ev/fleet/problems", lambda p: p["count"] == 2, since=mark)).json
        assert [p["chargerId"] for p in problems["problems"]] == [AC2, DC], "Offline first, then Faulted"
        assert "disconnected" in problems["problems"][0]["reason"]

        # -- the DC charger goes silent (socket open, no frames): Offline after interval × grace --
        mark = bus.mark()
        dc_first_beat.cancel()
        silent = (await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Offline",
                                           since=mark, timeout=HEARTBEAT * 1.5 + 5)).json
        assert "silent" in silent["reason"], silent
        assert silent["online"] is False
        await bus.wait_for_async("ev/fleet/health", counts("L3", offline=1), since=mark)
        # A message brings it back (still Faulted: connector 1 never cleared).
        mark = bus.mark()
        await dc.heartbeat()
        await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Faulted", since=mark)
        await dc.status(1, "Available")
        await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Available", since=mark)
        dc_beat = asyncio.create_task(keep_beating(dc))

        # -- the bridge dies: its last will makes every charger it held Offline --
        mark = bus.mark()
        bridge.stop(sig=signal.SIGKILL)
        await bus.wait_for_async("ev/fleet/health", counts("all", offline=3, total=3), since=mark, timeout=15)
        problems = (await bus.wait_for_async("ev/fleet/problems", lambda p: p["count"] == 3, since=mark)).json
        reasons = {p["chargerId"]: p["reason"] for p in problems["problems"]}
        assert "bridge" in reasons[DC] and "down" in reasons[DC], reasons
        dc_beat.cancel()

    assert health.running, "the health daemon must survive everything above"
    log = health.log()
    assert "invalid payload skipped" in log and f"ev/chargers/{DC}/connectors/2/status" in log, "bad payloads are logged with their topic"
    # Everything the daemon publishes is retained: a fresh subscriber sees the current picture at once.
    late = collector_factory(("ev/fleet/health", "ev/fleet/problems", f"ev/chargers/{DC}/health", "ev/fleet/connectivity"))
    for topic in ("ev/fleet/health", "ev/fleet/problems", f"ev/chargers/{DC}/health", "ev/fleet/connectivity"):
        msg = late.wait_for(topic, timeout=5)
        assert msg.retain and msg.qos == 1, msg


async def test_restart_in_an_outage_keeps_since_and_reports_availability(
        cli, bridge_factory, health_factory, collector_factory, tmp_path):
    pw = passwords_for([DC, AC1, AC2])
    register(cli, pw)
    bridge = bridge_factory(heartbeat_interval=HEARTBEAT, offline_grace=60)
    bus = collector_factory(("ev/fleet/#", "ev/chargers/+/health"))
    health = health_factory(interval=HEARTBEAT)

    async with beating_charger(bridge, DC, pw[DC]) as (_, dc, _), beating_charger(bridge, AC1, pw[AC1]) as (_, ac1, _):
        for connector in (0, 1, 2):
            await dc.status(connector, "Available")
            await ac1.status(connector, "Available")
        await bus.wait_for_async("ev/fleet/health", counts("all", available=2, offline=1, total=3), timeout=15)
        await dc.status(2, "Faulted", "HighTemperature")
        before = (await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Faulted")).json

        # Restart the daemon in the middle of the outage; the charger stays Faulted meanwhile.
        assert health.stop() == 0, "graceful shutdown exits 0"
        await asyncio.sleep(2.0)
        mark = bus.mark()
        health.start()
        await bus.wait_for_async("ev/fleet/health", counts("all", faulted=1, available=1, offline=1), since=mark, timeout=10)
        await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Faulted", since=mark, timeout=10)
        after = [m.json for m in bus.select(f"ev/chargers/{DC}/health", since=mark) if m.payload]
        assert all(a["since"] == before["since"] for a in after), (before, after)
        # The outage ends after the restart.
        await dc.status(2, "Available")
        await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Available", since=mark)
        await asyncio.sleep(0.5)

        # The dashboard in the terminal.
        status = cli.run("health", "status", "--mqtt", f"mqtt://127.0.0.1:{bus.port}", data=False)
        assert "DC (L3): 1" in status.stdout and "AC (L2): 2" in status.stdout, status.stdout
        assert AC2 in status.stdout and "Offline" in status.stdout, status.stdout

    # The chargers disconnected when the block ended: let the daemon record that before stopping it
    # (otherwise the disconnect waits, queued for its persistent session, until the next start).
    await bus.wait_for_async(f"ev/chargers/{DC}/health", lambda p: p["bucket"] == "Offline", since=mark, timeout=15)
    health.stop()
    report = cli.run("report", "availability", "--data", str(health.data_dir), "--from=-1h", "--to", "now",
                     "--format", "json", data=False)
    data = json.loads(report.stdout)
    incidents = [i for i in data["incidents"] if i["chargerId"] == DC and i["bucket"] == "Faulted"]
    assert len(incidents) == 1, data["incidents"]
    assert incidents[0]["start"] == before["since"] and not incidents[0]["ongoing"], incidents
    dc_incidents = [(i["buckets"], i["start"], i.get("end")) for i in data["incidents"] if i["chargerId"] == DC]
    # Never connected, the fault (one incident across the restart), the disconnect at the end.
    assert [b for b, _, _ in dc_incidents] == [["Offline"], ["Faulted"], ["Offline"]], dc_incidents
    dc_row = next(c for c in data["chargers"] if c["key"] == DC)
    assert 0 < dc_row["uptimePct"] < 100 and dc_row["repairs"] >= 1 and dc_row["mttrS"] > 0.5, dc_row
    ac2 = [i for i in data["incidents"] if i["chargerId"] == AC2]
    assert ac2 and ac2[0]["ongoing"], "never connected: down for the whole period"
    for fmt in ("table", "csv", "svg"):
        out = cli.run("report", "availability", "--data", str(health.data_dir), "--from=-1h", "--to", "now",
                      "--format", fmt, "--site", "SITE-N", data=False).stdout
        assert DC in out and AC2 not in out, (fmt, out[:500])
