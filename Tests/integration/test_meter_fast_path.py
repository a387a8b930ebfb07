"""The meter fast path (`MeterFastPath`, `bridge: meterFastPath`, on by default) answers plainly
valid MeterValues on the bridge's event loop. It must be invisible: the same CALLRESULTs and
CALLERRORs, the same meter messages on the bus (normalization, energy validation, session energy),
with everything it does not take (the first reading of a connector, invalid frames, other actions)
still answered by the session. The same scenario runs with the fast path on and off and the two
runs are compared field by field."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from ocpp.exceptions import OCPPError
from ocpp.v16 import call

from support.mqtt import Collector
from support.ocpp_peer import ConnectedCharger, utcnow


def sv(value, measurand="Energy.Active.Import.Register", unit="Wh", **extra):
    return {"value": str(value), "measurand": measurand, "unit": unit, "context": "Sample.Periodic", **extra}


def bridge_metric(bridge, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{bridge.metrics_port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.split()[-1])
    return 0.0


def fast_path_frames(bridge) -> float:
    return bridge_metric(bridge, "chargebus_bridge_fast_path_frames_total")


async def run_scenario(cp_id: str, bridge, mosquitto) -> tuple[list, list, float]:
    """Drives one charger through a session with 40 meter frames, returns (answers, meter payloads, fast frames)."""
    answers: list = []
    topic = f"ev/chargers/{cp_id}/connectors/+/meter"
    collector = Collector(mosquitto.port, [topic]).start()
    t0 = utcnow() - dt.timedelta(hours=1)
    try:
        async with ConnectedCharger(bridge.url(cp_id), cp_id, PASSWORD) as cp:
            assert (await cp.boot()).status == "Accepted"
            await cp.status(1, "Available")
            t0 = t0.replace(microsecond=0)
            start = await cp.start_tx(1, "TAG-FAST", meter_start=10_000, timestamp=t0)
            tx = start.transaction_id
            await cp.status(1, "Charging")
            energy = 10_000
            for n in range(1, 41):
                at = t0 + dt.timedelta(seconds=10 * n)
                energy += 30  # 30 Wh per 10 s = 10.8 kW, within the 22 kW connector
                sampled = [sv(energy), sv(10_800, "Power.Active.Import", "W"), sv(15.6, "Current.Import", "A", phase="L1"),
                           sv(230.1, "Voltage", "V", phase="L1-N"), sv(40 + n, "SoC", "Percent", location="EV")]
                if n == 10:  # kWh / kW are normalized
                    sampled = [sv(energy / 1000, unit="kWh"), sv(10.8, "Power.Active.Import", "kW")]
                if n == 20:  # older than the last valid reading: published with valid:false
                    at = t0 + dt.timedelta(seconds=5)
                if n == 25:  # implies far more than 22 kW: valid:false, never session energy
                    sampled = [sv(energy + 50_000)]
                answers.append(("ok", await cp.meter(1, sampled, timestamp=at, tx=tx)))
                if n in (15, 30):  # not plainly valid: the session answers with the strict CALLERROR
                    bad = call.MeterValues(connector_id="1", meter_value=[{"timestamp": at.isoformat(), "sampledValue": [sv(1)]}])
                    try:
                        await cp.call(bad, skip_schema_validation=True)
                        answers.append(("unexpected CALLRESULT", n))
                    except OCPPError as error:
                        answers.append(("callerror", type(error).__name__))
                    bad = call.MeterValues(connector_id=1, meter_value=[{"timestamp": at.isoformat(),
                                                                          "sampledValue": [sv(1, measurand="Energy")]}])
                    try:
                        await cp.call(bad, skip_schema_validation=True)
                        answers.append(("unexpected CALLRESULT", n))
                    except OCPPError as error:
                        answers.append(("callerror", type(error).__name__))
                if n == 35:  # other actions in between still reach the session
                    answers.append(("heartbeat", bool((await cp.heartbeat()).current_time)))
            stop = await cp.stop_tx(tx, meter_stop=energy, timestamp=t0 + dt.timedelta(seconds=500))
            answers.append(("stop", stop.id_tag_info))
            messages = await collector.wait_count_async(topic, 40, timeout=15)
    finally:
        collector.stop()
    payloads = []
    for message in messages:
        payload = dict(message.json)
        payload.pop("receivedAt")
        # Each run has its own start time and transaction: compare them relative to it.
        at = dt.datetime.fromisoformat(payload.pop("at").replace("Z", "+00:00"))
        payload["secondsAfterStart"] = round((at - t0).total_seconds(), 3)
        assert payload.pop("transactionId") == tx, payload
        payloads.append((message.topic, message.qos, payload))
    return answers, payloads, fast_path_frames(bridge)


PASSWORD = "fast-path-secret-1"


async def test_fast_path_gives_exactly_what_the_session_gives(cli, bridge_factory, mosquitto, tmp_path):
    cli.add_idtag("TAG-FAST")
    results = {}
    for fast in (True, False):
        cp_id = f"CP-FAST-{'ON' if fast else 'OFF'}"
        cli.add_charger(cp_id, PASSWORD, site="SITE-F", klass="L2", connectors=1, max_power_kw=22)
        config = tmp_path / f"bridge-{cp_id}.yaml"
        config.write_text(f"bridge:\n  meterFastPath: {'true' if fast else 'false'}\n")
        bridge = bridge_factory(extra_args=("--config", str(config)))
        results[fast] = await run_scenario(cp_id, bridge, mosquitto)
        bridge.stop()

    (fast_answers, fast_meter, fast_frames), (slow_answers, slow_meter, slow_frames) = results[True], results[False]
    # Both paths were really taken: all but the first reading of the connector on the fast path.
    assert slow_frames == 0
    assert fast_frames >= 38, fast_frames
    assert fast_answers == slow_answers
    assert [a for a in fast_answers if a[0] == "callerror"] == [("callerror", "TypeConstraintViolationError"),
                                                                 ("callerror", "PropertyConstraintViolationError")] * 2
    assert len(fast_meter) == len(slow_meter) == 40
    for (topic_on, qos_on, on), (topic_off, qos_off, off) in zip(fast_meter, slow_meter):
        assert qos_on == qos_off == 1
        assert topic_on.replace("CP-FAST-ON", "CP") == topic_off.replace("CP-FAST-OFF", "CP")
        assert on == off
    by_validity = [m[2]["valid"] for m in fast_meter]
    assert by_validity.count(False) == 2, by_validity
    invalid = {m[2]["invalidReason"] for m in fast_meter if not m[2]["valid"]}
    assert len(invalid) == 2, invalid
    tenth = fast_meter[9][2]
    assert tenth["energyWh"] == pytest.approx(10_300) and tenth["powerW"] == pytest.approx(10_800), tenth
    last = fast_meter[-1][2]
    assert last["sessionEnergyWh"] == pytest.approx(40 * 30), last


async def test_a_full_mqtt_window_holds_chargers_back_and_loses_nothing(cli, bridge_factory, mosquitto, tmp_path):
    """With a window of 2 QoS 1 messages and 6 chargers sending at once, the fast path is refused a slot
    again and again: each charger waits for its answer until a slot frees, and every reading arrives once,
    in order."""
    import asyncio

    config = tmp_path / "bridge-window.yaml"
    config.write_text("bridge:\n  mqttMaxInflight: 2\n")
    bridge = bridge_factory(extra_args=("--config", str(config)))
    ids = [f"CP-WINDOW-{n}" for n in range(6)]
    for cp_id in ids:
        cli.add_charger(cp_id, PASSWORD, site="SITE-W", klass="L2", connectors=1, max_power_kw=22)
    collector = Collector(mosquitto.port, ["ev/chargers/+/connectors/1/meter"]).start()
    t0 = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)

    async def drive(cp_id):
        async with ConnectedCharger(bridge.url(cp_id), cp_id, PASSWORD) as cp:
            assert (await cp.boot()).status == "Accepted"
            for n in range(1, 31):
                await cp.meter(1, [sv(1000 + n)], timestamp=t0 + dt.timedelta(seconds=n))

    try:
        await asyncio.gather(*(drive(cp_id) for cp_id in ids))
        messages = await collector.wait_count_async("ev/chargers/+/connectors/1/meter", 6 * 30, timeout=20)
    finally:
        collector.stop()
    assert len(messages) == 6 * 30
    for cp_id in ids:
        energies = [m.json["energyWh"] for m in messages if m.topic.startswith(f"ev/chargers/{cp_id}/")]
        assert energies == [1000 + n for n in range(1, 31)], (cp_id, energies)
        assert all(m.qos == 1 and m.json["valid"] for m in messages if m.topic.startswith(f"ev/chargers/{cp_id}/"))
    assert fast_path_frames(bridge) >= 6 * 29 - 12, "most readings went through the fast path"
    assert bridge_metric(bridge, "chargebus_bridge_fast_path_slot_waits_total") > 0, "the window was never full"


async def test_a_charger_that_pipelines_gets_every_answer_in_order(cli, bridge_factory, mosquitto):
    """OCPP asks a charger to wait for each answer, but a real one may not. 25 MeterValues written back to back,
    without waiting: the fast path keeps reading while a frame waits for its PUBACK, holds what arrives, and
    answers every frame once, in order, with every reading on the bus once, in order."""
    import json

    from support.ocpp_peer import open_ws, raw_call, recv_frame

    cp_id = "CP-PIPELINE"
    cli.add_charger(cp_id, PASSWORD, site="SITE-P", klass="L2", connectors=1, max_power_kw=22)
    bridge = bridge_factory()
    topic = f"ev/chargers/{cp_id}/connectors/1/meter"
    collector = Collector(mosquitto.port, [topic]).start()
    t0 = utcnow().replace(microsecond=0) - dt.timedelta(hours=1)

    def meter_frame(n: int) -> str:
        at = (t0 + dt.timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
        return json.dumps([2, f"pipe-{n}", "MeterValues",
                           {"connectorId": 1, "meterValue": [{"timestamp": at, "sampledValue": [sv(5000 + n)]}]}])

    ws = await open_ws(bridge.url(cp_id), cp_id, PASSWORD)
    try:
        boot = await raw_call(ws, "boot-1", "BootNotification", {"chargePointVendor": "ITest", "chargePointModel": "Pipe"})
        assert boot[0] == 3 and boot[2]["status"] == "Accepted", boot
        # The first reading of a connector loads its state in the session; the rest can take the fast path.
        first = await raw_call(ws, "pipe-0", "MeterValues", json.loads(meter_frame(0))[3])
        assert first == [3, "pipe-0", {}], first
        before = fast_path_frames(bridge)
        for n in range(1, 26):
            await ws.send(meter_frame(n))
        answers = [await recv_frame(ws, 10) for _ in range(25)]
        messages = await collector.wait_count_async(topic, 26, timeout=15)
    finally:
        await ws.close()
        collector.stop()
    assert answers == [[3, f"pipe-{n}", {}] for n in range(1, 26)], answers
    assert [m.json["energyWh"] for m in messages] == [5000 + n for n in range(26)]
    assert all(m.json["valid"] for m in messages), [m.json for m in messages if not m.json["valid"]]
    assert fast_path_frames(bridge) - before >= 1, "no pipelined frame went through the fast path"
