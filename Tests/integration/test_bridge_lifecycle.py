"""8. SIGTERM: every connected charger is published offline (reason bridge-shutdown), the bridge
topic goes online:false, the process exits 0.
9. Transaction ids keep increasing across a bridge restart on the same --data."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from support.ocpp_peer import ConnectedCharger, utcnow


async def test_sigterm_publishes_every_charger_offline(cli, bridge_factory, bus, charger_password):
    ids = [f"CP-TERM-{n}" for n in range(1, 4)]
    for cp_id in ids:
        cli.add_charger(cp_id, charger_password)
    bridge = bridge_factory()
    conns = [ConnectedCharger(bridge.url(cp_id), cp_id, charger_password) for cp_id in ids]
    try:
        for c in conns:
            await c.open()
            assert (await c.cp.boot()).status == "Accepted"
        for cp_id in ids:
            await bus.wait_for_async(f"ev/chargers/{cp_id}/state", lambda p: p["online"] is True)
        mark = bus.mark()
        bridge.signal(signal.SIGTERM)
        code = await asyncio.to_thread(bridge.wait, 20)
        # Collect every problem, so one report says all that is wrong with the shutdown.
        problems = []
        if code != 0:
            problems.append(f"bridge exited {code} on SIGTERM (expected 0)")
        # The bridge exits once the broker acknowledged its last messages; the broker's delivery
        # to this subscriber can still be on its way, so wait for it (bounded) instead of looking once.
        for cp_id in ids:
            offline = await bus.wait_count_async(f"ev/chargers/{cp_id}/state", 1, lambda p: p["online"] is False,
                                                 timeout=5, since=mark)
            if not offline:
                problems.append(f"{cp_id}: not published offline")
            elif offline[0].json.get("reason") != "bridge-shutdown" or offline[0].json.get("bridge") != bridge.bridge_id:
                problems.append(f"{cp_id}: offline as {offline[0].json} (expected reason bridge-shutdown)")
        offline = await bus.wait_count_async(bridge.state_topic, 1, lambda p: p["online"] is False,
                                             timeout=5, since=mark)
        if not offline:
            problems.append("the bridge topic did not go online:false")
        elif offline[0].json.get("reason") == "connection-lost":
            problems.append(f"only the last will was published, not the bridge's own offline state: {offline[0]}")
        # Nothing after the clean messages: no `closed` for the chargers, and no last will (which
        # the broker publishes only if the bridge did not DISCONNECT cleanly).
        await asyncio.sleep(1.0)
        for topic in [bridge.state_topic] + [f"ev/chargers/{cp_id}/state" for cp_id in ids]:
            msgs = bus.select(topic, since=mark)
            if msgs and msgs[-1].json.get("reason") not in ("bridge-shutdown", "shutdown"):
                problems.append(f"{topic}: last retained state after SIGTERM is {msgs[-1].json}")
        # sockets were closed by the bridge
        for c in conns:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(c.ws.wait_closed(), 5)
            if c.ws.close_code is None:
                problems.append(f"{c.cp_id}: socket still open after the bridge exited")
        assert not problems, "clean shutdown problems:\n  " + "\n  ".join(problems)
    finally:
        for c in conns:
            await c.close()


async def test_transaction_ids_survive_a_restart(cli, bridge_factory, bus, charger_password):
    cp_id = "CP-TXID"
    cli.add_charger(cp_id, charger_password, klass="L3", connectors=2, max_power_kw=150)
    cli.add_idtag("TAG-T")
    bridge = bridge_factory()
    first_ids = []
    async with ConnectedCharger(bridge.url(cp_id), cp_id, charger_password) as cp:
        await cp.boot()
        for n in range(3):
            t = utcnow()
            r = await cp.start_tx(1, "TAG-T", meter_start=1000 * n, timestamp=t)
            first_ids.append(r.transaction_id)
            await cp.stop_tx(r.transaction_id, meter_stop=1000 * n + 10, timestamp=t, reason="Local")
    assert all(isinstance(i, int) for i in first_ids), first_ids
    assert first_ids == sorted(set(first_ids)), f"ids must be distinct and increasing: {first_ids}"

    bridge.stop()  # its exit status is test_sigterm_publishes_every_charger_offline's business
    bridge.start()
    async with ConnectedCharger(bridge.url(cp_id), cp_id, charger_password) as cp:
        await cp.boot()
        r = await cp.start_tx(2, "TAG-T", meter_start=50_000, timestamp=utcnow())
        assert r.id_tag_info["status"] == "Accepted"
        assert r.transaction_id > max(first_ids), \
            f"transaction id {r.transaction_id} after restart is not above {max(first_ids)}: ids were reused"
        started = await bus.wait_for_async(f"ev/chargers/{cp_id}/transactions",
                                           lambda p: p["event"] == "started" and p["transactionId"] == r.transaction_id)
        assert started.json["connector"] == 2


async def test_metrics_endpoint(cli, bridge_factory, charger_password):
    """--metrics HOST:PORT serves Prometheus text, and counts what the bridge did."""
    import urllib.request
    cli.add_charger("CP-METRICS", charger_password)
    bridge = bridge_factory()
    async with ConnectedCharger(bridge.url("CP-METRICS"), "CP-METRICS", charger_password) as cp:
        await cp.boot()
        await cp.heartbeat()
        body = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{bridge.metrics_port}/metrics", timeout=5).read().decode())
    assert "# TYPE" in body, body[:500]
    assert any(line and not line.startswith("#") for line in body.splitlines()), body[:500]
