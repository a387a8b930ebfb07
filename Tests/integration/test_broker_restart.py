"""7. mosquitto restarts in the middle of a session. The charger keeps sending StatusNotifications
and MeterValues while the broker is down; persistent-session subscribers (MQTT 3.1.1
clean_session=False and MQTT 5 clean_start=False + session expiry) connected before and
reconnecting after must receive every status and every meter value. Duplicates are allowed
(QoS 1) but reported."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import time

from support.mqtt import Collector
from support.ocpp_peer import ConnectedCharger, utcnow

N_METER = 60
RATE = 20.0  # frames per second
STATUS_EVERY = 5
STOP_AFTER = 15  # meter values sent before the broker goes down
DOWN_FOR = 2.0
METER_START = 100_000


async def test_nothing_is_lost_across_a_broker_restart(cli, bridge_factory, mosquitto, charger_password,
                                                       record_property, capsys):
    cp_id = "CP-RESTART"
    cli.add_charger(cp_id, charger_password, klass="L3", connectors=2, max_power_kw=150)
    cli.add_idtag("TAG-R")
    bridge = bridge_factory(heartbeat_interval=60)
    root = f"ev/chargers/{cp_id}"
    subs = {
        "v3.1.1 clean_session=False": Collector(mosquitto.port, [f"{root}/#"], client_id="itest-persist-311",
                                                protocol=4, persistent=True).start(),
        "v5 clean_start=False": Collector(mosquitto.port, [f"{root}/#"], client_id="itest-persist-v5",
                                          protocol=5, persistent=True).start(),
    }
    sent_energy: list[float] = []
    sent_status: list[str] = []
    try:
        # The bridge answers a frame only once the broker has acknowledged what it published
        # (acknowledgeAfterBrokerAck), so while the broker is down the charger's calls wait:
        # give them longer than the outage plus the bridge's reconnect delay.
        async with ConnectedCharger(bridge.url(cp_id), cp_id, charger_password, response_timeout=60) as cp:
            assert (await cp.boot()).status == "Accepted"
            base = utcnow() - dt.timedelta(seconds=N_METER + 30)
            start = await cp.start_tx(1, "TAG-R", meter_start=METER_START, timestamp=base)
            tx = start.transaction_id
            restart_task = None
            t_next = time.monotonic()
            for i in range(N_METER):
                if i == STOP_AFTER:
                    # stop the broker and bring it back on the same port while we keep sending
                    restart_task = asyncio.create_task(asyncio.to_thread(mosquitto.restart, DOWN_FOR))
                if i % STATUS_EVERY == 0:
                    info = f"seq-{i // STATUS_EVERY}"
                    await cp.status(1, "Charging" if (i // STATUS_EVERY) % 2 == 0 else "SuspendedEV", info=info)
                    sent_status.append(info)
                energy = METER_START + 5 * (i + 1)  # 5 Wh per (charger) second: 18 kW
                await cp.meter(1, [{"value": str(energy), "measurand": "Energy.Active.Import.Register", "unit": "Wh",
                                    "context": "Sample.Periodic"}],
                               timestamp=base + dt.timedelta(seconds=i + 1), tx=tx)
                sent_energy.append(float(energy))
                t_next += 1 / RATE
                await asyncio.sleep(max(0.0, t_next - time.monotonic()))
            assert restart_task is not None
            await restart_task
            assert mosquitto.starts == 2

            deadline = time.monotonic() + 30
            report = {}
            while True:
                report = {name: summarize(c, root) for name, c in subs.items()}
                complete = all(not r["missing_energy"] and not r["missing_status"] for r in report.values())
                if complete or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.25)
    finally:
        for c in subs.values():
            c.stop()

    with capsys.disabled():
        for name, r in report.items():
            line = (f"\n[broker restart] {name}: {r['energy_count']} meter msgs for {len(sent_energy)} sent "
                    f"({len(r['dup_energy'])} duplicates), {r['status_count']} status msgs for {len(sent_status)} sent "
                    f"({len(r['dup_status'])} duplicates), connects={subs[name].connects}")
            print(line, end="")
            record_property(f"restart-{name}", line.strip())
    for name, r in report.items():
        assert subs[name].connects >= 2, f"{name}: never reconnected after the broker restart?"
        assert subs[name].session_present[-1] is True, f"{name}: broker did not resume the persistent session"
        assert not r["missing_energy"], f"{name}: meter values lost: {sorted(r['missing_energy'])}"
        assert not r["missing_status"], f"{name}: statuses lost: {sorted(r['missing_status'])}"
        assert not r["unexpected_energy"], f"{name}: meter values never sent: {sorted(r['unexpected_energy'])}"
    # And the values came out in order once de-duplicated (one publisher, one topic, QoS 1).
    for name, c in subs.items():
        seen = []
        for m in c.select(f"{root}/connectors/1/meter"):
            e = (m.json or {}).get("energyWh")
            if e is not None and e not in seen:
                seen.append(e)
        assert seen == sorted(seen), f"{name}: meter values out of order: {seen}"


def summarize(c: Collector, root: str) -> dict:
    energies = [m.json.get("energyWh") for m in c.select(f"{root}/connectors/1/meter") if m.json]
    statuses = [m.json.get("info") for m in c.select(f"{root}/connectors/1/status") if m.json and not m.retain]
    e_counts = collections.Counter(energies)
    s_counts = collections.Counter(statuses)
    expected_e = {float(METER_START + 5 * (i + 1)) for i in range(N_METER)}
    expected_s = {f"seq-{k}" for k in range((N_METER + STATUS_EVERY - 1) // STATUS_EVERY)}
    return {
        "energy_count": len(energies),
        "status_count": len(statuses),
        "missing_energy": expected_e - {float(e) for e in energies if e is not None},
        "unexpected_energy": {float(e) for e in energies if e is not None} - expected_e,
        "missing_status": expected_s - set(statuses),
        "dup_energy": {e: n for e, n in e_counts.items() if n > 1},
        "dup_status": {s: n for s, n in s_counts.items() if n > 1},
    }


async def test_bridge_announces_itself_and_its_chargers_again_after_a_reconnect(cli, bridge_factory, mosquitto,
                                                                             charger_password):
    """While the broker was unreachable it may have published the bridge's last will, and consumers may
    have marked its chargers offline: once reconnected, the bridge says again that it is up and which
    chargers it holds (fresh publishes, not only the retained copies the broker kept)."""
    cp_id = "CP-REANNOUNCE"
    cli.add_charger(cp_id, charger_password, klass="L2", connectors=1, max_power_kw=22)
    bridge = bridge_factory(heartbeat_interval=60)
    watcher = Collector(mosquitto.port, [bridge.state_topic, f"ev/chargers/{cp_id}/state"],
                        client_id="itest-reannounce").start()
    try:
        async with ConnectedCharger(bridge.url(cp_id), cp_id, charger_password, response_timeout=60) as cp:
            assert (await cp.boot()).status == "Accepted"
            watcher.wait_for(f"ev/chargers/{cp_id}/state", lambda p: p["online"] is True, timeout=10)
            # A last will as the broker would publish it after losing the bridge's connection.
            watcher.publish(bridge.state_topic, {"online": False, "bridge": bridge.bridge_id, "reason": "connection-lost"},
                            retain=True)
            await asyncio.to_thread(mosquitto.restart, 1.0)
            mark = watcher.mark()
            fresh = lambda topic: [m for m in watcher.select(topic, since=mark) if not m.retain and m.json]  # noqa: E731
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if fresh(bridge.state_topic) and fresh(f"ev/chargers/{cp_id}/state"):
                    break
                await asyncio.sleep(0.2)
            bridge_states = fresh(bridge.state_topic)
            charger_states = fresh(f"ev/chargers/{cp_id}/state")
            assert bridge_states and bridge_states[-1].json["online"] is True, watcher.select(bridge.state_topic)
            assert charger_states and charger_states[-1].json["online"] is True, watcher.select(f"ev/chargers/{cp_id}/state")
            assert charger_states[-1].json["protocol"] == "ocpp1.6"
    finally:
        watcher.stop()
