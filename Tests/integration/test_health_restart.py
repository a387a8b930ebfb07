"""Health daemon restarts lose nothing: an outage that begins and ends while `chargebus health` is
stopped reaches the availability history from the broker's queue for the daemon's persistent
session, with the bridge's times; the heartbeat average comes back from its SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import signal

import pytest

from support.health_daemon import health_factory  # noqa: F401  (fixture)
from support.ocpp_peer import ConnectedCharger

HEARTBEAT = 2
CP = "CP-H-RESTART"


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def same_time(a: str, b: str) -> bool:
    """Times stored as seconds in SQLite come back within a millisecond."""
    return abs((parse(a) - parse(b)).total_seconds()) <= 0.002


async def beat(cp, every: float):
    while True:
        await cp.heartbeat()
        await asyncio.sleep(every)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["graceful", "killed"])
async def test_outage_while_the_daemon_is_down_is_in_the_history(
        cli, bridge_factory, health_factory, collector_factory, stop_signal):
    from conftest import make_password
    password = make_password()
    cli.add_charger(CP, password, site="SITE-R", klass="L2", connectors=1, max_power_kw=22)
    bridge = bridge_factory(heartbeat_interval=HEARTBEAT, offline_grace=60)
    bus = collector_factory((f"ev/chargers/{CP}/state", f"ev/chargers/{CP}/health"))
    health = health_factory(interval=HEARTBEAT, grace=5)

    first = ConnectedCharger(bridge.url(CP), CP, password)
    cp = await first.__aenter__()
    await cp.boot()
    for connector in (0, 1):
        await cp.status(connector, "Available")
    beating = asyncio.create_task(beat(cp, 0.5))
    try:
        await bus.wait_for_async(f"ev/chargers/{CP}/health",
                                 lambda p: p["bucket"] == "Available" and p.get("heartbeatAvgS"), timeout=15)
    finally:
        beating.cancel()
        with contextlib.suppress(BaseException):
            await beating
    # Let the stored heartbeat slot catch up with the last beats (heartbeats are stored with the next flush).
    await asyncio.sleep(1.5)
    before = [m.json for m in bus.select(f"ev/chargers/{CP}/health") if m.payload][-1]

    # The daemon stops (or dies); meanwhile the charger drops off and comes back (without heartbeating).
    code = health.stop(sig=stop_signal)
    assert code == 0 or stop_signal == signal.SIGKILL, "graceful shutdown exits 0"
    mark = bus.mark()
    await first.close()
    offline = (await bus.wait_for_async(f"ev/chargers/{CP}/state", lambda p: p["online"] is False, since=mark)).json
    await asyncio.sleep(1.5)
    async with ConnectedCharger(bridge.url(CP), CP, password) as again:
        await again.boot()
        online = (await bus.wait_for_async(f"ev/chargers/{CP}/state", lambda p: p["online"] is True, since=mark)).json
        await again.status(0, "Available")
        await again.status(1, "Available")
        await asyncio.sleep(0.5)

        mark = bus.mark()
        health.start()
        after = (await bus.wait_for_async(f"ev/chargers/{CP}/health", lambda p: p["bucket"] == "Available",
                                          since=mark, timeout=10)).json
        assert same_time(after["since"], online["at"]), (after, online)
        # Only the beats before the restart can explain an average now: the new connection sent none.
        assert after.get("heartbeatAvgS") is not None, after
        assert abs(after["heartbeatAvgS"] - before["heartbeatAvgS"]) < 0.2, (before, after)
        assert after.get("heartbeatJitterS") is not None, after

        report = cli.run("report", "availability", "--data", str(health.data_dir), "--from=-1h", "--to", "now",
                         "--format", "json", "--charger", CP, data=False)
    data = json.loads(report.stdout)
    incidents = [i for i in data["incidents"] if i["chargerId"] == CP and not i.get("startedBeforePeriod")]
    outages = [i for i in incidents if i["buckets"] == ["Offline"] and i.get("end")
               and same_time(i["start"], offline["at"])]
    assert len(outages) == 1, (offline, online, data["incidents"])
    assert same_time(outages[0]["end"], online["at"]), (outages, online)
    assert "disconnected" in (outages[0].get("reason") or ""), outages
