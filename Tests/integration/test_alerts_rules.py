"""Alert engine end to end: real mosquitto, the real bridge, the real `chargebus alerts` daemon, OCPP
1.6 chargers. Each rule fires on `ev/alerts/events` and on its retained `ev/alerts/active/…` topic,
then resolves (event + empty retained payload)."""

from __future__ import annotations

import asyncio

from support.alerts_daemon import *  # noqa: F401,F403
from support.alerts_daemon import booted, events, sv, wait_event


async def test_disconnected_fires_and_resolves(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-DISC"
    cli.add_charger(cp, charger_password, site="SITE-D", klass="L3")
    bridge, _ = alerts_stack()
    await bus.wait_for_async(f"ev/chargers/{cp}/info")
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    await conn.close()
    await bus.wait_for_async(f"ev/chargers/{cp}/state", lambda p: p["online"] is False)
    fired = await wait_event(bus, charger=cp, rule="disconnected", event="firing", timeout=10)
    a = fired["alert"]
    assert a["state"] == "firing" and a["connector"] == 0 and a["site"] == "SITE-D" and a["class"] == "L3", a
    assert a["severity"] == "major" and "offline" in a["summary"] and a["details"]["values"]["offlineS"] >= 2, a
    active = await bus.wait_for_async(f"ev/alerts/active/{cp}/disconnected", lambda p: p and p["id"] == a["id"])
    assert active.qos == 1
    # Reconnect: resolved, retained cleared.
    conn2, _ = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        resolved = await wait_event(bus, charger=cp, rule="disconnected", event="resolved", timeout=10)
        assert resolved["alert"]["id"] == a["id"] and resolved["alert"]["resolvedAt"]
        await bus.wait_for_async(f"ev/alerts/active/{cp}/disconnected", lambda p: False, timeout=0.1) if False else None
        cleared = bus.select(f"ev/alerts/active/{cp}/disconnected")
        await asyncio.sleep(0.3)
        cleared = bus.select(f"ev/alerts/active/{cp}/disconnected")
        assert cleared[-1].payload == b"" and cleared[-1].retain is False or cleared[-1].payload == b"", cleared
    finally:
        await conn2.close()


async def test_faulted_with_vendor_code_translation(cli, alerts_stack, bus, charger_password, data_dir):
    cp = "CP-ALERT-FAULT"
    cli.add_charger(cp, charger_password, site="SITE-F")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Faulted", "OtherError", vendor_id="com.evgo.mrec", vendor_error_code="F003", info="pilot")
        fired = await wait_event(bus, charger=cp, rule="faulted", event="firing")
        a = fired["alert"]
        assert a["connector"] == 1 and a["severity"] == "critical", a
        d = a["details"]
        assert d["errorCode"] == "OtherError" and d["vendorId"] == "com.evgo.mrec" and d["vendorErrorCode"] == "F003", d
        assert d["vendorCodes"][0] == {"action": d["vendorCodes"][0]["action"], "code": "F003", "known": True,
                                       "severity": "critical", "text": "Pilot voltage low", "vendor": "EVgo MREC"}, d
        assert "Pilot voltage low" in a["summary"], a
        active = await bus.wait_for_async(f"ev/alerts/active/{cp}/faulted/1", lambda p: p and p["state"] == "firing")
        assert active.json["id"] == a["id"]
        # A code no table knows: shown raw and counted.
        await c.status(2, "Faulted", "OtherError", vendor_id="com.kempower", vendor_error_code="E4711")
        fired2 = await wait_event(bus, charger=cp, rule="faulted", event="firing",
                                  since=0, timeout=10)
        f2 = [e for e in events(bus, charger=cp, rule="faulted", event="firing") if e["alert"]["connector"] == 2]
        if not f2:
            await asyncio.sleep(2)
            f2 = [e for e in events(bus, charger=cp, rule="faulted", event="firing") if e["alert"]["connector"] == 2]
        assert f2 and f2[0]["alert"]["details"]["vendorCodes"][0]["known"] is False, f2
        assert f2[0]["alert"]["details"]["vendorCodes"][0]["text"] == "E4711"
        # Back to Available: resolved, retained cleared.
        await c.status(1, "Available")
        resolved = await wait_event(bus, charger=cp, rule="faulted", event="resolved")
        assert resolved["alert"]["id"] == a["id"]
        await bus.wait_for_async(f"ev/alerts/active/{cp}/faulted/1", lambda p: p is None, timeout=5)
        out = cli("alerts", "codes", "--unknown").stdout
        assert "com.kempower" in out and "E4711" in out, out
        listing = cli("alerts", "list", "--site", "SITE-F").stdout
        assert a["id"] in listing and "resolved" in listing, listing
        shown = cli("alerts", "show", a["id"]).stdout
        assert "Pilot voltage low" in shown and "firing" in shown and "resolved" in shown, shown
        history = cli("alerts", "history", cp).stdout
        assert "faulted" in history and "F003" in history, history
        assert fired2
    finally:
        await conn.close()


async def test_vendor_code_surfaces_while_charging(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-VCODE"
    cli.add_charger(cp, charger_password)
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Charging", "NoError", vendor_id="https://chargex.inl.gov", vendor_error_code="CX018")
        fired = await wait_event(bus, charger=cp, rule="vendor-code", event="firing")
        assert fired["alert"]["severity"] == "minor" and "Cable over-temperature" in fired["alert"]["summary"], fired
        await c.status(1, "Charging", "NoError")
        await wait_event(bus, charger=cp, rule="vendor-code", event="resolved")
    finally:
        await conn.close()


async def test_soc_stall(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-SOC"
    cli.add_charger(cp, charger_password, klass="L3", max_power_kw=150)
    cli.add_idtag("TAG-SOC")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Preparing")
        tx = (await c.start_tx(1, "TAG-SOC", meter_start=1000)).transaction_id
        await c.status(1, "Charging")
        energy = 1000
        fired = None
        for _ in range(30):
            energy += 2  # slow enough for the bridge's max-power validation (22 kW here)
            await c.meter(1, [sv(energy, "Energy.Active.Import.Register", "Wh"), sv(20000, "Power.Active.Import", "W"),
                              sv(30, "SoC", "Percent")], tx=tx)
            found = events(bus, charger=cp, rule="soc-stall", event="firing")
            if found:
                fired = found[0]
                break
            await asyncio.sleep(0.5)
        assert fired, "soc-stall did not fire"
        a = fired["alert"]
        assert a["details"]["values"]["soc"] == 30 and a["details"]["transactionId"] == tx, a
        assert not events(bus, charger=cp, rule="energy-stall"), "the register moved: no energy-stall"
        await c.meter(1, [sv(energy + 2, "Energy.Active.Import.Register", "Wh"), sv(36, "SoC", "Percent")], tx=tx)
        await wait_event(bus, charger=cp, rule="soc-stall", event="resolved")
        await c.stop_tx(tx, meter_stop=energy + 2)
    finally:
        await conn.close()


async def test_energy_stall_zero_power_while_charging(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-ENERGY"
    cli.add_charger(cp, charger_password)
    cli.add_idtag("TAG-EN")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        tx = (await c.start_tx(1, "TAG-EN", meter_start=5000)).transaction_id
        await c.status(1, "Charging")
        fired = None
        for _ in range(30):
            await c.meter(1, [sv(5000, "Energy.Active.Import.Register", "Wh"), sv(0, "Power.Active.Import", "W")], tx=tx)
            found = events(bus, charger=cp, rule="energy-stall", event="firing")
            if found:
                fired = found[0]
                break
            await asyncio.sleep(0.5)
        assert fired, "energy-stall did not fire"
        assert fired["alert"]["severity"] == "critical" and "delivers nothing" in fired["alert"]["summary"], fired
        await bus.wait_for_async(f"ev/alerts/active/{cp}/energy-stall/1", lambda p: p and p["state"] == "firing")
        # Energy flows again (slowly enough that the bridge's max-power validation accepts it).
        await asyncio.sleep(3)
        await c.meter(1, [sv(5015, "Energy.Active.Import.Register", "Wh"), sv(7000, "Power.Active.Import", "W")], tx=tx)
        await wait_event(bus, charger=cp, rule="energy-stall", event="resolved")
        await c.stop_tx(tx, meter_stop=5015)
    finally:
        await conn.close()


async def test_failed_sessions(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-FAILS"
    cli.add_charger(cp, charger_password)
    cli.add_idtag("TAG-F")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        # 1. never started; 2. stopped with EmergencyStop; 3. too short / too little energy.
        await c.status(1, "Preparing")
        await c.status(1, "Available")
        tx = (await c.start_tx(1, "TAG-F", meter_start=0)).transaction_id
        await c.stop_tx(tx, meter_stop=3000, reason="EmergencyStop")
        assert not events(bus, charger=cp, rule="failed-sessions")
        tx = (await c.start_tx(2, "TAG-F", meter_start=0)).transaction_id
        await c.stop_tx(tx, meter_stop=10)
        fired = await wait_event(bus, charger=cp, rule="failed-sessions", event="firing")
        d = fired["alert"]["details"]
        assert d["values"]["failedSessions"] == 3 and len(d["recent"]) == 3, d
        assert "never started" in d["recent"][0] and "EmergencyStop" in d["recent"][1], d
        # The window (6 s) passes: resolved.
        await wait_event(bus, charger=cp, rule="failed-sessions", event="resolved", timeout=12)
    finally:
        await conn.close()


async def test_suspended_and_stale_session(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-SUSP"
    cli.add_charger(cp, charger_password)
    cli.add_idtag("TAG-S")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        tx = (await c.start_tx(1, "TAG-S", meter_start=0)).transaction_id
        await c.status(1, "SuspendedEV")
        fired = await wait_event(bus, charger=cp, rule="suspended", event="firing")
        assert fired["alert"]["details"]["status"] == "SuspendedEV"
        # No meter values at all: the session is stale after 4 s.
        stale = await wait_event(bus, charger=cp, rule="stale-session", event="firing")
        assert stale["alert"]["details"]["transactionId"] == tx
        await c.status(1, "Charging")
        await wait_event(bus, charger=cp, rule="suspended", event="resolved")
        await c.stop_tx(tx, meter_stop=20000)
        await wait_event(bus, charger=cp, rule="stale-session", event="resolved")
    finally:
        await conn.close()


async def test_weak_signal_and_flapping(cli, alerts_stack, bus, charger_password):
    cp = "CP-ALERT-FLAP"
    cli.add_charger(cp, charger_password)
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    await c.status(0, "Available", "WeakSignal")
    await wait_event(bus, charger=cp, rule="weak-signal", event="firing")
    await c.status(0, "Available")
    await wait_event(bus, charger=cp, rule="weak-signal", event="resolved")
    await conn.close()
    # A boot loop: three reconnects within the window.
    for _ in range(3):
        conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
        await conn.close()
        await bus.wait_for_async(f"ev/chargers/{cp}/state", lambda p: p["online"] is False, since=bus.mark() - 1)
    fired = await wait_event(bus, charger=cp, rule="flapping", event="firing")
    assert fired["alert"]["details"]["values"]["reconnects"] >= 3, fired


async def test_flapping_resolves_once_the_reconnects_age_out(cli, bridge_factory, alerts_factory, bus, charger_password,
                                                            tmp_path):
    """Every rule fires *and resolves* on the bus: flapping resolves when its reconnects leave the window."""
    assert "flapping: {count: 3, window: 30s}" in FAST_RULES
    rules = tmp_path / "flapping.yaml"
    rules.write_text(FAST_RULES.replace("flapping: {count: 3, window: 30s}", "flapping: {count: 3, window: 6s, keepFiringFor: 0s}"))
    cp = "CP-ALERT-FLAP-RESOLVE"
    cli.add_charger(cp, charger_password)
    bridge = bridge_factory(heartbeat_interval=30)
    alerts_factory(rules=rules)
    for _ in range(3):
        conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
        await conn.close()
        await bus.wait_for_async(f"ev/chargers/{cp}/state", lambda p: p["online"] is False, since=bus.mark() - 1)
    await wait_event(bus, charger=cp, rule="flapping", event="firing")
    # The charger settles down and stays connected: once the reconnects are older than the window,
    # the boot loop is over.
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        resolved = await wait_event(bus, charger=cp, rule="flapping", event="resolved", timeout=25)
        assert resolved["alert"]["rule"] == "flapping"
    finally:
        await conn.close()


async def test_bad_payloads_never_crash(alerts_stack, bus, mosquitto):
    _, daemon = alerts_stack()
    for topic, payload in [("ev/chargers/X/connectors/1/status", b"{not json"),
                           ("ev/chargers/X/connectors/1/meter", b'{"at": 5}'),
                           ("ev/chargers/X/state", b"[]"), ("ev/alerts/abc/ack", b'{"note":"no by"}'),
                           ("ev/alerts/silences/set", b'{"matcher":{}}'), ("ev/chargers/X/transactions", b"\xff\xfe")]:
        bus.publish(topic, payload)
    await asyncio.sleep(1)
    assert daemon.proc.poll() is None
    log = daemon.log_path.read_text()
    assert log.count("invalid payload skipped") >= 6, log[-3000:]
