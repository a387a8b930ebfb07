"""The simulator's fault scenarios (`chargebus simulate --scenario …`) through the real bridge into the
alert daemon: each scenario's rule fires on ev/alerts/events, and the recovering ones resolve."""

from __future__ import annotations

import asyncio
import os

from support import procs
from support.alerts_daemon import *  # noqa: F401,F403
from support.alerts_daemon import events, wait_event


async def test_simulator_fault_scenarios(chargebus_bin, bridge_factory, alerts_factory, bus, tmp_path, request, mosquitto):
    from conftest import attach_log
    bridge = bridge_factory(auto_register=True, heartbeat_interval=30)
    alerts_factory()
    log = tmp_path / "simulate.log"
    attach_log(request, "chargebus simulate", log)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
    sim = procs.spawn([str(chargebus_bin), "simulate", "--url", bridge.url(), "--chargers", "4", "--id-prefix", "ASIM",
                       "--no-sessions", "--ramp", "50", "--log-level", "notice",
                       "--scenario", "fault:ASIM00001@2s,vendorId=https://chargex.inl.gov,code=CX002,recover=5s",
                       "--scenario", "disconnect:ASIM00002@2s,for=5s",
                       "--scenario", "weak-signal:ASIM00003@2s,for=4s",
                       "--scenario", "boot-loop:ASIM00004@1s,count=4,interval=1s"],
                      log_path=log, env=env)
    try:
        fault = await wait_event(bus, charger="ASIM00001", rule="faulted", event="firing", timeout=20)
        vc = fault["alert"]["details"]["vendorCodes"][0]
        assert vc["vendor"] == "ChargeX MREC" and vc["text"] == "Ground fault" and vc["known"], fault
        disc = await wait_event(bus, charger="ASIM00002", rule="disconnected", event="firing", timeout=20)
        assert disc["alert"]["connector"] == 0
        weak = await wait_event(bus, charger="ASIM00003", rule="weak-signal", event="firing", timeout=20)
        assert weak["alert"]["details"]["errorCode"] == "WeakSignal"
        flap = await wait_event(bus, charger="ASIM00004", rule="flapping", event="firing", timeout=30)
        assert flap["alert"]["details"]["values"]["reconnects"] >= 3
        await wait_event(bus, charger="ASIM00001", rule="faulted", event="resolved", timeout=20)
        await wait_event(bus, charger="ASIM00002", rule="disconnected", event="resolved", timeout=20)
        await wait_event(bus, charger="ASIM00003", rule="weak-signal", event="resolved", timeout=20)
        assert len(events(bus, charger="ASIM00001", rule="faulted", event="firing")) == 1
    finally:
        procs.terminate(sim, timeout=10)
