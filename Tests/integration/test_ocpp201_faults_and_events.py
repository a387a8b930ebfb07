"""OCPP 2.0.1 faults (StatusNotification Faulted and NotifyEvent problems → errorCode,
vendorErrorCode, info on the connector's status) and the event messages (security event,
firmware and log status, NotifyReport, DataTransfer → ev/chargers/{cp}/events/…)."""

from __future__ import annotations

import asyncio

import pytest

from support.ocpp201_peer import connected201, problem_event


@pytest.fixture
async def charger201(cli, bridge_factory, bus, charger_password):
    cp_id = "CP-201-FAULT"
    cli.add_charger(cp_id, charger_password, connectors=2)
    bridge = bridge_factory()
    async with connected201(bridge.url(cp_id), cp_id, charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        for evse in (1, 2):
            await cp.status(evse, "Available")
            await bus.wait_for_async(f"ev/chargers/{cp_id}/connectors/{evse}/status", lambda p: p["status"] == "Available")
        yield cp_id, cp


async def test_fault_through_status_and_notify_event(charger201, bus):
    cp_id, cp = charger201
    topic = f"ev/chargers/{cp_id}/connectors/1/status"

    # The problem first (as a real station reports it), then the status.
    mark = bus.mark()
    await cp.notify_events(problem_event("ConnectorPlugRetentionLock", True, evse=1, event_id=11, tech_code="CX001",
                                         tech_info="Lock motor stalled"))
    s = (await bus.wait_for_async(topic, lambda p: p["errorCode"] != "NoError", since=mark)).json
    assert s["errorCode"] == "ConnectorLockFailure", s
    assert s.get("vendorErrorCode") == "CX001", s
    assert s.get("info") == "Lock motor stalled", s

    mark = bus.mark()
    await cp.status(1, "Faulted")
    s = (await bus.wait_for_async(topic, lambda p: p["status"] == "Faulted", since=mark)).json
    assert s["errorCode"] == "ConnectorLockFailure" and s.get("vendorErrorCode") == "CX001", \
        f"the active problem stays on the Faulted status: {s}"
    assert not bus.select(f"ev/chargers/{cp_id}/connectors/2/status", lambda p: p["status"] == "Faulted"), \
        "a problem on EVSE 1 does not touch EVSE 2"

    # Recovery: actualValue false clears the problem, then Available.
    mark = bus.mark()
    await cp.notify_events(problem_event("ConnectorPlugRetentionLock", False, evse=1, event_id=12))
    await bus.wait_for_async(topic, lambda p: p["errorCode"] == "NoError", since=mark)
    await cp.status(1, "Available")
    s = (await bus.wait_for_async(topic, lambda p: p["status"] == "Available", since=mark)).json
    assert s["errorCode"] == "NoError" and not s.get("vendorErrorCode"), s


@pytest.mark.parametrize("component, code", [
    ("ConnectorPlugRetentionLock", "ConnectorLockFailure"),
    ("OverCurrentProtection", "OverCurrentFailure"),
    ("RCD", "GroundFailure"),
    ("PowerContactor", "PowerSwitchFailure"),
    ("TokenReader", "ReaderFailure"),
    ("TemperatureSensor", "HighTemperature"),
    ("SomeVendorWidget", "OtherError"),
])
async def test_problem_component_maps_to_error_code(charger201, bus, component, code):
    cp_id, cp = charger201
    topic = f"ev/chargers/{cp_id}/connectors/2/status"
    mark = bus.mark()
    await cp.notify_events(problem_event(component, True, evse=2, event_id=20, tech_code="V-42"))
    s = (await bus.wait_for_async(topic, lambda p: p["errorCode"] != "NoError", since=mark)).json
    assert s["errorCode"] == code and s.get("vendorErrorCode") == "V-42", f"{component}: {s}"
    assert s.get("info"), f"info is techInfo or Component.Variable=value: {s}"
    mark = bus.mark()
    await cp.notify_events(problem_event(component, False, evse=2, event_id=21))
    await bus.wait_for_async(topic, lambda p: p["errorCode"] == "NoError", since=mark)


async def test_ordinary_report_is_not_a_fault(charger201, bus):
    cp_id, cp = charger201
    await cp.notify_events(problem_event("EVSE", True, evse=1, event_id=30, variable="Power",
                                         notification="PreconfiguredMonitor", trigger="Periodic"))
    await cp.heartbeat()
    await asyncio.sleep(0.5)
    assert not bus.select(f"ev/chargers/{cp_id}/connectors/1/status", lambda p: p["errorCode"] != "NoError")


async def test_problem_without_evse_is_connector_0(charger201, bus):
    cp_id, cp = charger201
    mark = bus.mark()
    await cp.notify_events(problem_event("Controller", True, evse=None, event_id=40, tech_code="CTRL-9"))
    s = (await bus.wait_for_async(f"ev/chargers/{cp_id}/connectors/0/status", lambda p: p["errorCode"] != "NoError",
                                  since=mark)).json
    assert s["errorCode"] == "InternalError" and s.get("vendorErrorCode") == "CTRL-9", s


async def test_event_messages(charger201, bus):
    cp_id, cp = charger201
    root = f"ev/chargers/{cp_id}/events"

    await cp.security_event("TamperDetectionActivated", tech_info="lid open")
    e = (await bus.wait_for_async(f"{root}/security-event")).json
    assert e["name"] == "security-event" and e["data"]["type"] == "TamperDetectionActivated", e
    assert e["data"].get("techInfo") == "lid open", e

    for status, shared in (("Downloading", "Downloading"), ("Installed", "Installed")):
        mark = bus.mark()
        await cp.firmware_status(status, request_id=7)
        e = (await bus.wait_for_async(f"{root}/firmware-status", since=mark)).json
        assert e["data"]["status"] == shared and e["data"].get("ocppStatus") == status, e
        assert e["data"].get("requestId") == 7, e

    for status, shared in (("Uploading", "Uploading"), ("Uploaded", "Uploaded"), ("UploadFailure", "UploadFailed")):
        mark = bus.mark()
        await cp.log_status(status, request_id=8)
        e = (await bus.wait_for_async(f"{root}/diagnostics-status", since=mark)).json
        assert e["data"]["status"] == shared and e["data"].get("ocppStatus") == status, e

    report = [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
               "variableAttribute": [{"type": "Actual", "value": "300"}]}]
    await cp.notify_report(3, report)
    e = (await bus.wait_for_async(f"{root}/report")).json
    assert e["data"]["requestId"] == 3 and e["data"]["reportData"] == report, e

    r = await cp.data_transfer("com.itest", message_id="ping", data={"n": 1})
    assert r.status in ("Accepted", "UnknownVendorId", "Rejected", "UnknownMessageId"), r
    e = (await bus.wait_for_async(f"{root}/data-transfer")).json
    assert e["data"]["vendorId"] == "com.itest" and e["data"].get("messageId") == "ping", e
