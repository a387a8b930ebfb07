"""1. A whole charging session through the real bridge: boot, status, authorize, start, meter
values (one of them in kWh/kW to check normalization), stop; what lands on which topic."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from support.mqtt import Collector
from support.ocpp_peer import ConnectedCharger, utcnow

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
approx = pytest.approx


def sv(value, measurand, unit, **extra):
    return {"value": str(value), "measurand": measurand, "unit": unit, **extra}


async def test_charging_session(cli, bridge_factory, bus, charger_password, mosquitto):
    cp_id = "CP-SESSION-1"
    cli.add_charger(cp_id, charger_password, site="SITE-A", klass="L3", connectors=2, max_power_kw=150)
    cli.add_idtag("TAG-OK")
    bridge = bridge_factory(heartbeat_interval=30)
    root = f"ev/chargers/{cp_id}"

    t0 = utcnow() - dt.timedelta(minutes=40)
    conn = ConnectedCharger(bridge.url(cp_id), cp_id, charger_password)
    cp = await conn.__aenter__()
    try:
        # -- boot --
        boot = await cp.boot(vendor="ITest", model="Model-T", serial="SN-0001", firmware="1.2.3")
        assert boot.status == "Accepted"
        assert boot.interval == 30, "BootNotification.conf interval must be the bridge's heartbeat interval"

        state = (await bus.wait_for_async(f"{root}/state", lambda p: p["online"] is True)).json
        assert state["protocol"] == "ocpp1.6"
        assert state["bridge"] == bridge.bridge_id
        assert RFC3339_MS.match(state["at"]), state
        local = conn.ws.local_address
        assert state["remote"] == f"{local[0]}:{local[1]}", (state, local)

        boot_msg = await bus.wait_for_async(f"{root}/boot")
        b = boot_msg.json
        assert (b["vendor"], b["model"], b["serial"], b["firmware"]) == ("ITest", "Model-T", "SN-0001", "1.2.3"), b
        assert b["registration"] == "Accepted" and b["intervalS"] == 30, b
        assert RFC3339_MS.match(b["at"]), b
        assert boot_msg.qos == 1

        # -- heartbeat --
        hb = await cp.heartbeat()
        assert RFC3339_MS.match(hb.current_time) or hb.current_time.endswith("Z"), hb.current_time
        hb_msg = await bus.wait_for_async(f"{root}/heartbeat")
        assert RFC3339_MS.match(hb_msg.json["at"]), hb_msg

        # -- status --
        await cp.status(1, "Available")
        await cp.status(2, "Available")
        s1 = await bus.wait_for_async(f"{root}/connectors/1/status", lambda p: p["status"] == "Available")
        assert s1.json["errorCode"] == "NoError" and RFC3339_MS.match(s1.json["at"]), s1
        await cp.status(1, "Preparing", info="plug-in", vendor_id="com.itest", vendor_error_code="0x00")
        s1 = (await bus.wait_for_async(f"{root}/connectors/1/status", lambda p: p["status"] == "Preparing")).json
        assert (s1["info"], s1["vendorId"], s1["vendorErrorCode"]) == ("plug-in", "com.itest", "0x00"), s1

        # -- authorization against the id tag database --
        assert (await cp.authorize("TAG-OK")).id_tag_info["status"] == "Accepted"
        assert (await cp.authorize("TAG-UNKNOWN")).id_tag_info["status"] == "Invalid"

        # -- start --
        start = await cp.start_tx(1, "TAG-OK", meter_start=1000, timestamp=t0)
        tx = start.transaction_id
        assert isinstance(tx, int) and start.id_tag_info["status"] == "Accepted", start
        started = (await bus.wait_for_async(f"{root}/transactions", lambda p: p["event"] == "started")).json
        assert started["transactionId"] == tx and started["connector"] == 1, started
        assert started["idTag"] == "TAG-OK" and started["idTagStatus"] == "Accepted", started
        assert started["meterStartWh"] == approx(1000), started
        await cp.status(1, "Charging")

        # -- meter values: Wh/W first, then kWh/kW which the bridge must normalize --
        await cp.meter(1, [
            sv(1500, "Energy.Active.Import.Register", "Wh", context="Sample.Periodic"),
            sv(7200, "Power.Active.Import", "W", context="Sample.Periodic"),
            sv(55, "SoC", "Percent", context="Sample.Periodic", location="EV"),
            sv(230, "Voltage", "V", context="Sample.Periodic"),
            sv(16, "Current.Import", "A", context="Sample.Periodic"),
            sv(31, "Temperature", "Celsius", context="Sample.Periodic", location="Body"),
        ], timestamp=t0 + dt.timedelta(minutes=10), tx=tx)
        m1 = (await bus.wait_for_async(f"{root}/connectors/1/meter", lambda p: p["energyWh"] == 1500)).json
        assert m1["powerW"] == approx(7200) and m1["soc"] == approx(55), m1
        assert m1["voltageV"] == approx(230) and m1["currentA"] == approx(16), m1
        assert m1["temperatureC"] == approx(31), m1
        assert m1["transactionId"] == tx and m1["context"] == "Sample.Periodic", m1
        assert m1["valid"] is True and m1["sessionEnergyWh"] == approx(500), m1
        assert RFC3339_MS.match(m1["at"]) and RFC3339_MS.match(m1["receivedAt"]), m1
        assert m1["at"].startswith((t0 + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")), \
            "`at` is the charger's sample timestamp"

        await cp.meter(1, [
            sv("2.5", "Energy.Active.Import.Register", "kWh", context="Sample.Periodic"),
            sv("11", "Power.Active.Import", "kW", context="Sample.Periodic"),
            sv(16, "Current.Import", "A", phase="L1", context="Sample.Periodic"),
            sv(15, "Current.Import", "A", phase="L2", context="Sample.Periodic"),
        ], timestamp=t0 + dt.timedelta(minutes=20), tx=tx)
        m2 = (await bus.wait_for_async(f"{root}/connectors/1/meter",
                                       lambda p: p["energyWh"] is not None and p["energyWh"] > 2000)).json
        assert m2["energyWh"] == approx(2500), f"2.5 kWh must be published as 2500 Wh: {m2}"
        assert m2["powerW"] == approx(11000), f"11 kW must be published as 11000 W: {m2}"
        assert m2["sessionEnergyWh"] == approx(1500), m2
        assert m2["valid"] is True, m2
        assert m2["phases"]["L1"]["currentA"] == approx(16) and m2["phases"]["L2"]["currentA"] == approx(15), m2

        # -- stop --
        stop = await cp.stop_tx(tx, meter_stop=3000, timestamp=t0 + dt.timedelta(minutes=30), reason="Local",
                                tag="TAG-OK")
        assert stop.id_tag_info is None or stop.id_tag_info["status"] == "Accepted", stop
        stopped = (await bus.wait_for_async(f"{root}/transactions", lambda p: p["event"] == "stopped")).json
        assert stopped["transactionId"] == tx and stopped["connector"] == 1, stopped
        assert stopped["meterStopWh"] == approx(3000) and stopped["energyWh"] == approx(2000), stopped
        assert stopped["reason"] == "Local", stopped
        mark = bus.mark()
        await cp.status(1, "Finishing")
        await cp.status(1, "Available")
        await bus.wait_for_async(f"{root}/connectors/1/status", lambda p: p["status"] == "Available", since=mark)

        # -- an unknown tag starting a transaction is answered Invalid --
        bad = await cp.start_tx(2, "TAG-UNKNOWN", meter_start=500, timestamp=t0 + dt.timedelta(minutes=31))
        assert bad.id_tag_info["status"] == "Invalid", bad

        # -- raw frames both ways on the ocpp topic --
        frames = [m.json for m in bus.select(f"{root}/ocpp")]
        assert all(f["dir"] in ("in", "out") and RFC3339_MS.match(f["at"]) for f in frames), frames[:5]
        boot_in = [f for f in frames if f["dir"] == "in" and f["frame"][0] == 2 and f["frame"][2] == "BootNotification"]
        assert boot_in, f"no incoming BootNotification frame on {root}/ocpp: {frames[:10]}"
        boot_id = boot_in[0]["frame"][1]
        boot_out = [f for f in frames if f["dir"] == "out" and f["frame"][0] == 3 and f["frame"][1] == boot_id]
        assert boot_out and boot_out[0]["frame"][2]["status"] == "Accepted", frames[:10]
        assert any(m.qos == 0 for m in bus.select(f"{root}/ocpp")), "raw frames are QoS 0"

        # -- retained state as a late subscriber (a dashboard opening now) sees it --
        late = Collector(mosquitto.port, [f"{root}/#"]).start()
        try:
            for t in ("state", "boot", "connectors/1/status", "connectors/2/status"):
                late.wait_for(f"{root}/{t}", timeout=5)
            retained = {m.topic: m for m in late.select() if m.retain}
            assert retained[f"{root}/state"].json["online"] is True
            assert retained[f"{root}/boot"].json["vendor"] == "ITest"
            assert retained[f"{root}/connectors/1/status"].json["status"] == "Available"
            assert retained[f"{root}/connectors/2/status"].json["status"] == "Available"
            not_retained = {f"{root}/heartbeat", f"{root}/transactions", f"{root}/connectors/1/meter", f"{root}/ocpp"}
            assert not (not_retained & set(retained)), f"retained but should not be: {not_retained & set(retained)}"
        finally:
            late.stop()
    finally:
        await conn.close()

    # -- a charger closing its socket is published offline, reason closed --
    off = await bus.wait_for_async(f"{root}/state", lambda p: p["online"] is False, timeout=10)
    assert off.json["reason"] == "closed", off
    assert off.json["bridge"] == bridge.bridge_id and RFC3339_MS.match(off.json["at"]), off
