"""Commands in the 1.6 vocabulary on ev/calls/{cp}/request reach a 2.0.1 charger translated
(Reset Soft → Reset OnIdle, GetConfiguration → GetVariables, …), and the answer comes back on
ev/calls/{cp}/response in the 1.6 shape. `"protocol":"ocpp2.0.1"` sends a native payload as is."""

from __future__ import annotations

import asyncio

import pytest

from support.ocpp201_peer import connected201, energy, tx_id
from support.ocpp_peer import ConnectedCharger

CP = "CP-CALLS201"


@pytest.fixture
async def charger201(cli, bridge_factory, bus, charger_password):
    cli.add_charger(CP, charger_password, connectors=2)
    cli.add_charger("CP-CALLS16", charger_password)
    bridge = bridge_factory(call_timeout=5)
    async with connected201(bridge.url(CP), CP, charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        await bus.wait_for_async(f"ev/chargers/{CP}/state", lambda p: p["online"] is True)
        cp.bridge = bridge
        yield cp


async def request(bus, cp_id: str, body: dict, *, timeout: float = 15) -> dict:
    mark = bus.mark()
    rc = await asyncio.to_thread(bus.publish, f"ev/calls/{cp_id}/request", body, qos=1)
    assert rc is None or rc.value < 0x80, rc
    msg = await bus.wait_for_async(f"ev/calls/{cp_id}/response", lambda p: p["id"] == body["id"],
                                   timeout=timeout, since=mark)
    return msg.json


async def ok(bus, cp, action: str, payload: dict, expect_201: str, *, rid: str | None = None) -> tuple[dict, dict]:
    """Sends a 1.6 call, returns (the 2.0.1 payload the charger got, the 1.6 response)."""
    before = len(cp.calls_of(expect_201))
    r = await request(bus, CP, {"id": rid or f"r-{action}-{before}", "action": action, "payload": payload})
    assert r["status"] == "ok", f"{action} {payload}: {r}"
    got = await cp.wait_call(expect_201, count=before + 1, timeout=2)
    return got, r["response"]


async def test_reset_soft_and_hard(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "Reset", {"type": "Soft"}, "Reset")
    assert got == {"type": "OnIdle"}, got
    assert resp == {"status": "Accepted"}, resp
    got, resp = await ok(bus, cp, "Reset", {"type": "Hard"}, "Reset")
    assert got == {"type": "Immediate"}, got
    assert resp == {"status": "Accepted"}, resp
    cp.answers["Reset"] = {"status": "Rejected"}
    _, resp = await ok(bus, cp, "Reset", {"type": "Hard"}, "Reset")
    assert resp == {"status": "Rejected"}, resp
    # 2.0.1 Scheduled (OnIdle while a transaction runs) does not exist in 1.6: Accepted.
    cp.answers["Reset"] = {"status": "Scheduled"}
    _, resp = await ok(bus, cp, "Reset", {"type": "Soft"}, "Reset")
    assert resp == {"status": "Accepted"}, resp


async def test_remote_start_and_stop(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "RemoteStartTransaction", {"idTag": "TAG-R", "connectorId": 2},
                         "RequestStartTransaction")
    assert got["idToken"]["idToken"] == "TAG-R" and got["idToken"]["type"] == "Central", got
    assert isinstance(got["remoteStartId"], int) and got.get("evseId") == 2, got
    assert resp == {"status": "Accepted"}, resp

    # Without a connector: no evseId.
    got, _ = await ok(bus, cp, "RemoteStartTransaction", {"idTag": "TAG-R2"}, "RequestStartTransaction")
    assert "evseId" not in got, got

    # The charger starts the transaction with the remoteStartId; the string id is used to stop it.
    tid = tx_id()
    await cp.tx_event("Started", tid, trigger="RemoteStart", charging_state="EVConnected", evse=2, tag="TAG-R",
                      remote_start_id=got["remoteStartId"], meter=energy(10, "Transaction.Begin"))
    await bus.wait_for_async(f"ev/chargers/{CP}/transactions", lambda p: p["transactionId"] == tid)
    got, resp = await ok(bus, cp, "RemoteStopTransaction", {"transactionId": tid}, "RequestStopTransaction")
    assert got == {"transactionId": tid}, got
    assert resp == {"status": "Accepted"}, resp
    cp.answers["RequestStopTransaction"] = {"status": "Rejected"}
    _, resp = await ok(bus, cp, "RemoteStopTransaction", {"transactionId": tid}, "RequestStopTransaction")
    assert resp == {"status": "Rejected"}, resp


async def test_unlock_connector(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "UnlockConnector", {"connectorId": 2}, "UnlockConnector")
    assert got == {"evseId": 2, "connectorId": 1}, got
    assert resp == {"status": "Unlocked"}, resp
    for answer, shared in (("UnlockFailed", "UnlockFailed"), ("OngoingAuthorizedTransaction", "UnlockFailed"),
                           ("UnknownConnector", "NotSupported")):
        cp.answers["UnlockConnector"] = {"status": answer}
        _, resp = await ok(bus, cp, "UnlockConnector", {"connectorId": 1}, "UnlockConnector")
        assert resp == {"status": shared}, f"{answer}: {resp}"


async def test_get_configuration_is_get_variables(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "GetConfiguration",
                         {"key": ["HeartbeatInterval", "MeterValueSampleInterval", "OCPPCommCtrlr.Colour"]}, "GetVariables")
    asked = [(d["component"]["name"], d["variable"]["name"]) for d in got["getVariableData"]]
    assert ("OCPPCommCtrlr", "HeartbeatInterval") in asked, got
    assert ("SampledDataCtrlr", "TxUpdatedInterval") in asked, got
    assert ("OCPPCommCtrlr", "Colour") in asked, f"Component.Variable reaches any variable: {got}"
    keys = {k["key"]: k for k in resp.get("configurationKey", [])}
    assert keys.get("HeartbeatInterval", {}).get("value") == "300", resp
    assert keys.get("MeterValueSampleInterval", {}).get("value") == "60", resp
    assert all(isinstance(k.get("readonly"), bool) for k in keys.values()), resp
    assert "OCPPCommCtrlr.Colour" in resp.get("unknownKey", []), resp


async def test_change_configuration_is_set_variables(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}, "SetVariables")
    data = got["setVariableData"]
    assert len(data) == 1 and data[0]["component"]["name"] == "OCPPCommCtrlr", got
    assert data[0]["variable"]["name"] == "HeartbeatInterval" and data[0]["attributeValue"] == "120", got
    assert resp == {"status": "Accepted"}, resp

    cp.answers["SetVariables"] = {"setVariableResult": [{"attributeStatus": "RebootRequired",
                                                         "component": {"name": "SampledDataCtrlr"},
                                                         "variable": {"name": "TxUpdatedInterval"}}]}
    got, resp = await ok(bus, cp, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "30"}, "SetVariables")
    assert got["setVariableData"][0]["variable"]["name"] == "TxUpdatedInterval", got
    assert resp == {"status": "RebootRequired"}, resp

    cp.answers["SetVariables"] = {"setVariableResult": [{"attributeStatus": "UnknownVariable",
                                                         "component": {"name": "OCPPCommCtrlr"},
                                                         "variable": {"name": "HeartbeatInterval"}}]}
    _, resp = await ok(bus, cp, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}, "SetVariables")
    assert resp == {"status": "NotSupported"}, resp

    # A key with no 2.0.1 equivalent: NotSupported, without a call.
    before = len(cp.calls_of("SetVariables"))
    r = await request(bus, CP, {"id": "cc-unknown", "action": "ChangeConfiguration",
                                "payload": {"key": "NoSuchVendorKey", "value": "1"}})
    assert r["status"] == "ok" and r["response"] == {"status": "NotSupported"}, r
    await asyncio.sleep(0.3)
    assert len(cp.calls_of("SetVariables")) == before, cp.received


async def test_clear_cache(charger201, bus):
    got, resp = await ok(bus, charger201, "ClearCache", {}, "ClearCache")
    assert got == {} and resp == {"status": "Accepted"}, (got, resp)


@pytest.mark.parametrize("requested16, requested201", [
    ("StatusNotification", "StatusNotification"),
    ("MeterValues", "MeterValues"),
    ("Heartbeat", "Heartbeat"),
    ("BootNotification", "BootNotification"),
    ("FirmwareStatusNotification", "FirmwareStatusNotification"),
    ("DiagnosticsStatusNotification", "LogStatusNotification"),
])
async def test_trigger_message(charger201, bus, requested16, requested201):
    cp = charger201
    got, resp = await ok(bus, cp, "TriggerMessage", {"requestedMessage": requested16, "connectorId": 1}, "TriggerMessage")
    assert got["requestedMessage"] == requested201, got
    if requested201 in ("StatusNotification", "MeterValues"):
        assert got.get("evse", {}).get("id") == 1, got
    assert resp == {"status": "Accepted"}, resp


async def test_change_availability(charger201, bus):
    cp = charger201
    got, resp = await ok(bus, cp, "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, "ChangeAvailability")
    assert got["operationalStatus"] == "Inoperative" and got.get("evse", {}).get("id") == 1, got
    assert resp == {"status": "Accepted"}, resp
    cp.answers["ChangeAvailability"] = {"status": "Scheduled"}
    got, resp = await ok(bus, cp, "ChangeAvailability", {"connectorId": 0, "type": "Operative"}, "ChangeAvailability")
    assert got["operationalStatus"] == "Operative" and "evse" not in got, f"connector 0 is the whole station: {got}"
    assert resp == {"status": "Scheduled"}, resp


async def test_update_firmware(charger201, bus):
    got, resp = await ok(bus, charger201, "UpdateFirmware",
                         {"location": "https://fw.example/fw-2.bin", "retrieveDate": "2026-12-01T00:00:00Z", "retries": 2},
                         "UpdateFirmware")
    assert isinstance(got["requestId"], int), got
    assert got["firmware"]["location"] == "https://fw.example/fw-2.bin", got
    assert got["firmware"]["retrieveDateTime"].startswith("2026-12-01T00:00:00"), got
    assert got.get("retries") == 2, got
    # 1.6 UpdateFirmware.conf is empty; the bridge keeps the 2.0.1 status so a refusal is not lost
    # (CommandMapping: "`{}` plus `status`").
    assert resp in ({}, {"status": "Accepted"}), resp
    charger201.answers["UpdateFirmware"] = {"status": "Rejected"}
    _, resp = await ok(bus, charger201, "UpdateFirmware",
                       {"location": "https://fw.example/fw-3.bin", "retrieveDate": "2026-12-01T00:00:00Z"}, "UpdateFirmware")
    assert resp == {"status": "Rejected"}, resp


async def test_get_diagnostics_is_get_log(charger201, bus):
    got, resp = await ok(bus, charger201, "GetDiagnostics", {"location": "ftp://logs.example/up/"}, "GetLog")
    assert got["logType"] == "DiagnosticsLog" and isinstance(got["requestId"], int), got
    assert got["log"]["remoteLocation"] == "ftp://logs.example/up/", got
    assert resp.get("fileName") == "diag.log", f"GetLog filename → GetDiagnostics fileName: {resp}"
    assert set(resp) <= {"fileName", "status"} and resp.get("status", "Accepted") == "Accepted", resp


async def test_data_transfer(charger201, bus):
    cp = charger201
    cp.answers["DataTransfer"] = {"status": "Accepted", "data": "pong"}
    got, resp = await ok(bus, cp, "DataTransfer", {"vendorId": "com.itest", "messageId": "ping", "data": "x"}, "DataTransfer")
    assert got == {"vendorId": "com.itest", "messageId": "ping", "data": "x"}, got
    assert resp == {"status": "Accepted", "data": "pong"}, resp


async def test_native_201_request(charger201, bus, charger_password):
    cp = charger201
    before = len(cp.calls_of("GetVariables"))
    native = {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}
    r = await request(bus, CP, {"id": "native-1", "protocol": "ocpp2.0.1", "action": "GetVariables", "payload": native})
    assert r["status"] == "ok", r
    got = await cp.wait_call("GetVariables", count=before + 1, timeout=2)
    assert got == native, got
    assert r["response"]["getVariableResult"][0]["attributeValue"] == "300", r

    before = len(cp.calls_of("Reset"))
    r = await request(bus, CP, {"id": "native-2", "protocol": "ocpp2.0.1", "action": "Reset", "payload": {"type": "OnIdle"}})
    assert r["status"] == "ok" and r["response"] == {"status": "Accepted"}, r
    assert (await cp.wait_call("Reset", count=before + 1, timeout=2)) == {"type": "OnIdle"}

    # A native 2.0.1 call is only for 2.0.1 chargers.
    async with ConnectedCharger(cp.bridge.url("CP-CALLS16"), "CP-CALLS16", charger_password) as cp16:
        assert (await cp16.boot()).status == "Accepted"
        r = await request(bus, "CP-CALLS16", {"id": "native-3", "protocol": "ocpp2.0.1", "action": "Reset",
                                              "payload": {"type": "OnIdle"}})
        assert r["status"] != "ok", r
        assert not cp16.received, cp16.received
