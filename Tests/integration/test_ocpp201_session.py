"""OCPP 2.0.1 through the real bridge: boot, heartbeat, status, Authorize, a full TransactionEvent
session (Started → Updated with meter values in several units → Ended), MeterValues outside a
transaction, and the shared status vocabulary (Occupied × chargingState)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest

from support.ocpp201_peer import connected201, energy, meter_value, sv, tx_id
from support.ocpp_peer import utcnow

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
approx = pytest.approx


def status_is(status: str, error_code: str | None = None):
    return lambda p: p["status"] == status and (error_code is None or p["errorCode"] == error_code)


async def test_boot_heartbeat_status_and_authorize(cli, bridge_factory, bus, charger_password):
    cp_id = "CP-201-BOOT"
    cli.add_charger(cp_id, charger_password, connectors=2)
    cli.add_idtag("TAG-OK")
    cli.add_idtag("TAG-BLOCKED", status="Blocked")
    bridge = bridge_factory(heartbeat_interval=30)
    root = f"ev/chargers/{cp_id}"
    async with connected201(bridge.url(cp_id), cp_id, charger_password) as cp:
        boot = await cp.boot(vendor="ITest", model="Model-201", serial="SN-201", firmware="2.0.1-a",
                             reason="PowerUp", modem={"iccid": "89490200001234567890", "imsi": "262011234567890"})
        assert boot.status == "Accepted" and boot.interval == 30, boot

        state = (await bus.wait_for_async(f"{root}/state", lambda p: p["online"] is True)).json
        assert state["protocol"] == "ocpp2.0.1", state
        b = (await bus.wait_for_async(f"{root}/boot")).json
        assert (b["vendor"], b["model"], b["serial"], b["firmware"]) == ("ITest", "Model-201", "SN-201", "2.0.1-a"), b
        assert (b.get("iccid"), b.get("imsi")) == ("89490200001234567890", "262011234567890"), b
        assert b.get("reason") == "PowerUp", b
        assert b["registration"] == "Accepted" and b["intervalS"] == 30, b

        await cp.heartbeat()
        await bus.wait_for_async(f"{root}/heartbeat")

        for evse in (1, 2):
            await cp.status(evse, "Available")
            s = (await bus.wait_for_async(f"{root}/connectors/{evse}/status", status_is("Available"))).json
            assert s["errorCode"] == "NoError" and RFC3339_MS.match(s["at"]), s
        for word in ("Unavailable", "Reserved", "Faulted", "Available"):
            mark = bus.mark()
            await cp.status(2, word)
            await bus.wait_for_async(f"{root}/connectors/2/status", status_is(word), since=mark)

        assert (await cp.authorize("TAG-OK")).id_token_info["status"] == "Accepted"
        assert (await cp.authorize("TAG-UNKNOWN")).id_token_info["status"] in ("Invalid", "Unknown")
        assert (await cp.authorize("TAG-BLOCKED")).id_token_info["status"] == "Blocked"

        # A second boot with another reason: the boot topic carries the 2.0.1 reason.
        mark = bus.mark()
        await cp.boot(reason="RemoteReset")
        b = (await bus.wait_for_async(f"{root}/boot", since=mark)).json
        assert b.get("reason") == "RemoteReset", b


async def test_full_transaction_event_session(cli, bridge_factory, bus, charger_password):
    cp_id = "CP-201-SESSION"
    cli.add_charger(cp_id, charger_password, klass="L3", connectors=2, max_power_kw=150)
    cli.add_idtag("TAG-OK")
    bridge = bridge_factory()
    root = f"ev/chargers/{cp_id}"
    t0 = utcnow() - dt.timedelta(minutes=40)
    tid = tx_id()
    async with connected201(bridge.url(cp_id), cp_id, charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.status(1, "Available")
        await bus.wait_for_async(f"{root}/connectors/1/status", status_is("Available"))

        # Plugged in, no transaction yet: Occupied → Preparing.
        mark = bus.mark()
        await cp.status(1, "Occupied", timestamp=t0)
        await bus.wait_for_async(f"{root}/connectors/1/status", status_is("Preparing", "NoError"), since=mark)

        # -- Started --
        started = await cp.tx_event("Started", tid, trigger="Authorized", charging_state="EVConnected", evse=1,
                                    tag="TAG-OK", meter=energy(1000, "Transaction.Begin", t0), timestamp=t0)
        assert started.id_token_info and started.id_token_info["status"] == "Accepted", started
        s = (await bus.wait_for_async(f"{root}/transactions", lambda p: p["event"] == "started")).json
        assert s["transactionId"] == tid, f"the charger's string id is carried as is: {s}"
        assert s["connector"] == 1 and s["idTag"] == "TAG-OK" and s["idTagStatus"] == "Accepted", s
        assert s["meterStartWh"] == approx(1000), s
        assert bus.select(f"{root}/connectors/1/status")[-1].json["status"] == "Preparing", \
            "EVConnected with an ongoing transaction that has not charged yet stays Preparing"

        # -- Updated: chargingState → shared status --
        for state_, expected in (("Charging", "Charging"), ("SuspendedEV", "SuspendedEV"),
                                 ("SuspendedEVSE", "SuspendedEVSE"), ("Charging", "Charging")):
            mark = bus.mark()
            await cp.tx_event("Updated", tid, trigger="ChargingStateChanged", charging_state=state_,
                              timestamp=t0 + dt.timedelta(minutes=1))
            await bus.wait_for_async(f"{root}/connectors/1/status", status_is(expected), since=mark)

        # -- Updated with meter values: Wh/W --
        t1 = t0 + dt.timedelta(minutes=10)
        await cp.tx_event("Updated", tid, trigger="MeterValuePeriodic", charging_state="Charging", timestamp=t1, meter=[
            meter_value(sv(1500), sv(7200, "Power.Active.Import", "W"), sv(55, "SoC", "Percent", location="EV"),
                        sv(230, "Voltage", "V"), sv(16, "Current.Import", "A"), timestamp=t1)])
        m1 = (await bus.wait_for_async(f"{root}/connectors/1/meter", lambda p: p["energyWh"] == 1500)).json
        assert m1["powerW"] == approx(7200) and m1["soc"] == approx(55), m1
        assert m1["voltageV"] == approx(230) and m1["currentA"] == approx(16), m1
        assert m1["transactionId"] == tid and m1["context"] == "Sample.Periodic", m1
        assert m1["sessionEnergyWh"] == approx(500) and m1["valid"] is True, m1
        assert m1["at"].startswith(t1.strftime("%Y-%m-%dT%H:%M")), m1

        # -- kWh / kW --
        t2 = t0 + dt.timedelta(minutes=20)
        await cp.tx_event("Updated", tid, trigger="MeterValuePeriodic", timestamp=t2, meter=[
            meter_value(sv(2.5, unit="kWh"), sv(11, "Power.Active.Import", "kW"), timestamp=t2)])
        m2 = (await bus.wait_for_async(f"{root}/connectors/1/meter",
                                       lambda p: p["energyWh"] is not None and p["energyWh"] > 2000)).json
        assert m2["energyWh"] == approx(2500), f"2.5 kWh must be published as 2500 Wh: {m2}"
        assert m2["powerW"] == approx(11000), f"11 kW must be published as 11000 W: {m2}"
        assert m2["sessionEnergyWh"] == approx(1500), m2

        # -- Wh with multiplier 3 (and no unit: the 2.0.1 default is Wh) --
        t3 = t0 + dt.timedelta(minutes=25)
        await cp.tx_event("Updated", tid, trigger="MeterValuePeriodic", timestamp=t3, meter=[
            meter_value(sv(3, unit="Wh", multiplier=3), sv(12, "Power.Active.Import", "W", multiplier=3), timestamp=t3)])
        m3 = (await bus.wait_for_async(f"{root}/connectors/1/meter",
                                       lambda p: p["energyWh"] is not None and p["energyWh"] > 2600)).json
        assert m3["energyWh"] == approx(3000), f"3 × 10^3 Wh must be published as 3000 Wh: {m3}"
        assert m3["powerW"] == approx(12000), m3
        t4 = t0 + dt.timedelta(minutes=27)
        await cp.tx_event("Updated", tid, trigger="MeterValuePeriodic", timestamp=t4,
                          meter=[meter_value(sv(3200, unit=None), timestamp=t4)])
        m4 = (await bus.wait_for_async(f"{root}/connectors/1/meter",
                                       lambda p: p["energyWh"] is not None and p["energyWh"] > 3100)).json
        assert m4["energyWh"] == approx(3200), f"no unitOfMeasure means Wh: {m4}"

        # -- Ended --
        t5 = t0 + dt.timedelta(minutes=30)
        mark = bus.mark()
        ended = await cp.tx_event("Ended", tid, trigger="StopAuthorized", charging_state="EVConnected",
                                  stopped_reason="Local", tag="TAG-OK", timestamp=t5,
                                  meter=energy(3500, "Transaction.End", t5))
        assert ended.id_token_info is None or ended.id_token_info["status"] == "Accepted", ended
        st = (await bus.wait_for_async(f"{root}/transactions", lambda p: p["event"] == "stopped")).json
        assert st["transactionId"] == tid and st["connector"] == 1, st
        assert st["reason"] == "Local" and st["meterStopWh"] == approx(3500) and st["energyWh"] == approx(2500), st
        await bus.wait_for_async(f"{root}/connectors/1/status", status_is("Finishing"), since=mark)

        # Still Occupied after the end: Finishing; unplugged: Available.
        mark = bus.mark()
        await cp.status(1, "Occupied")
        await cp.heartbeat()  # the StatusNotification has been handled (and published, if it changed anything)
        await asyncio.sleep(0.3)
        last = bus.select(f"{root}/connectors/1/status")[-1].json
        assert last["status"] == "Finishing", f"Occupied after an Ended transaction is Finishing: {last}"
        await cp.status(1, "Available")
        await bus.wait_for_async(f"{root}/connectors/1/status", status_is("Available"), since=mark)

        # -- MeterValues outside a transaction, on EVSE 2 --
        await cp.meter(2, [meter_value(sv(5000), sv(0, "Power.Active.Import", "W"))])
        m = (await bus.wait_for_async(f"{root}/connectors/2/meter", lambda p: p["energyWh"] == 5000)).json
        assert m["powerW"] == approx(0) and m.get("transactionId") is None, m

        # -- an unknown id token starting a transaction --
        bad = tx_id()
        r = await cp.tx_event("Started", bad, trigger="Authorized", charging_state="EVConnected", evse=2,
                              tag="TAG-NOPE", meter=energy(5000, "Transaction.Begin"))
        assert r.id_token_info["status"] in ("Invalid", "Unknown"), r
        s = (await bus.wait_for_async(f"{root}/transactions", lambda p: p["transactionId"] == bad)).json
        assert s["idTagStatus"] in ("Invalid", "Unknown"), s
        # …ended by the EV leaving: the stop reason in the 1.6 vocabulary.
        await cp.tx_event("Ended", bad, trigger="EVCommunicationLost", charging_state="Idle",
                          stopped_reason="EVDisconnected", meter=energy(5000, "Transaction.End"))
        st = (await bus.wait_for_async(f"{root}/transactions",
                                       lambda p: p["transactionId"] == bad and p["event"] == "stopped")).json
        assert st["reason"] == "EVDisconnected" and st["energyWh"] == approx(0), st


@pytest.mark.parametrize("stopped_reason, shared", [
    ("Remote", "Remote"), ("EVDisconnected", "EVDisconnected"), ("Local", "Local"), (None, "Local"),
    ("ImmediateReset", "HardReset"), ("DeAuthorized", "DeAuthorized"), ("EmergencyStop", "EmergencyStop"),
    ("PowerLoss", "PowerLoss"), ("Reboot", "Reboot"), ("Other", "Other"),
])
async def test_stop_reasons_in_the_16_vocabulary(cli, bridge_factory, bus, charger_password, stopped_reason, shared):
    cp_id = "CP-201-REASON"
    cli.add_charger(cp_id, charger_password)
    bridge = bridge_factory()
    tid = tx_id()
    async with connected201(bridge.url(cp_id), cp_id, charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        await cp.tx_event("Started", tid, trigger="CablePluggedIn", charging_state="EVConnected", evse=1,
                          meter=energy(100, "Transaction.Begin"))
        await cp.tx_event("Ended", tid, trigger="AbnormalCondition", stopped_reason=stopped_reason,
                          meter=energy(150, "Transaction.End"))
        st = (await bus.wait_for_async(f"ev/chargers/{cp_id}/transactions", lambda p: p["event"] == "stopped")).json
        assert st["reason"] == shared, f"stoppedReason {stopped_reason!r}: {st}"
