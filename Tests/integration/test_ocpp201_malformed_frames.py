"""Malformed frames on a 2.0.1 socket get the 2.0.1 CALLERROR codes (RpcFrameworkError,
FormatViolation, MessageTypeNotSupported, OccurrenceConstraintViolation, …); the socket stays
open and a Heartbeat is still answered after each. A 1.6 socket keeps the 1.6 spellings."""

from __future__ import annotations

import json

import pytest
import websockets

from support.ocpp201_peer import open_ws201
from support.ocpp_peer import open_ws, raw_call, recv_reply

BOOT = {"chargingStation": {"vendorName": "ITest", "model": "Raw201"}, "reason": "PowerUp"}
STATUS = {"timestamp": "2026-01-01T00:00:00.000Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}


def without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


# (name, raw text, ids the CALLERROR may carry, expected codes)
CASES = [
    # The message id cannot be read: RpcFrameworkError with id "-1" (Part 4 §4.3).
    ("not JSON", "this is not json", ("-1",), ("RpcFrameworkError",)),
    ("JSON but not an array", '{"hello":"world"}', ("-1",), ("RpcFrameworkError",)),
    # The id can be read but the frame is broken.
    ("truncated JSON", '[2,"bad-json-1","Heartbeat",{', ("-1", "bad-json-1"), ("FormatViolation", "RpcFrameworkError")),
    ("CALL without payload", '[2,"short-1","Heartbeat"]', ("-1", "short-1"),
     ("FormatViolation", "RpcFrameworkError", "ProtocolError")),
    ("unknown message type", json.dumps([7, "mt-7", "Heartbeat", {}]), ("mt-7", "-1"), ("MessageTypeNotSupported",)),
    ("unknown action", json.dumps([2, "m-unknown", "FooBar", {}]), ("m-unknown",), ("NotImplemented",)),
    ("1.6-only action", json.dumps([2, "m-16", "StartTransaction",
                                    {"connectorId": 1, "idTag": "X", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}]),
     ("m-16",), ("NotImplemented", "NotSupported")),
    ("missing required field", json.dumps([2, "m-missing", "StatusNotification", without(STATUS, "connectorStatus")]),
     ("m-missing",), ("OccurrenceConstraintViolation",)),
    ("wrong type", json.dumps([2, "m-type", "StatusNotification", {**STATUS, "evseId": "abc"}]),
     ("m-type",), ("TypeConstraintViolation",)),
    ("bad enum value", json.dumps([2, "m-enum", "StatusNotification", {**STATUS, "connectorStatus": "Sleeping"}]),
     ("m-enum",), ("PropertyConstraintViolation",)),
    ("missing field in a nested object", json.dumps([2, "m-nested", "TransactionEvent", {
        "eventType": "Started", "timestamp": "2026-01-01T00:00:00Z", "triggerReason": "Authorized", "seqNo": 0,
        "transactionInfo": {}}]), ("m-nested",), ("OccurrenceConstraintViolation",)),
]


@pytest.fixture
async def raw201(cli, bridge_factory, bus, charger_password):
    cli.add_charger("CP-RAW201", charger_password)
    bridge = bridge_factory()
    ws = await open_ws201(bridge.url("CP-RAW201"), "CP-RAW201", charger_password)
    assert ws.subprotocol == "ocpp2.0.1"
    reply = await raw_call(ws, "boot-1", "BootNotification", BOOT)
    assert reply[0] == 3 and reply[2]["status"] == "Accepted", reply
    yield ws, bridge
    await ws.close()


async def test_malformed_frames_get_201_callerrors_and_socket_survives(raw201, bus):
    ws, _ = raw201
    failures = []
    for n, (name, text, ids, codes) in enumerate(CASES):
        await ws.send(text)
        try:
            reply = await recv_reply(ws, ids, timeout=5)
        except TimeoutError:
            failures.append(f"{name}: sent {text!r}, expected [4,{ids[0]!r},{' or '.join(codes)},…], got no CALLERROR")
        except websockets.ConnectionClosed as e:
            pytest.fail(f"{name}: the bridge closed the socket ({e}); failures so far: {failures}")
        else:
            if reply[0] != 4 or reply[2] not in codes:
                failures.append(f"{name}: sent {text!r}, expected [4,{ids[0]!r},{' or '.join(codes)},…], got {reply}")
            elif len(reply) != 5 or not isinstance(reply[3], str) or not isinstance(reply[4], dict):
                failures.append(f"{name}: CALLERROR must be [4,id,code,description,details{{}}], got {reply}")
        try:
            hb = await raw_call(ws, f"hb-after-{n}", "Heartbeat", {}, timeout=5)
        except websockets.ConnectionClosed as e:
            pytest.fail(f"after {name}: socket closed ({e}); failures so far: {failures}")
        except TimeoutError:
            failures.append(f"after {name}: Heartbeat not answered")
            continue
        if not (hb[0] == 3 and "currentTime" in hb[2]):
            failures.append(f"after {name}: Heartbeat answered {hb}")
    assert not failures, "\n".join(failures)


async def test_bad_status_is_not_published(raw201, bus):
    ws, _ = raw201
    reply = await raw_call(ws, "s-enum", "StatusNotification", {**STATUS, "connectorStatus": "Sleeping"})
    assert reply[0] == 4, reply
    reply = await raw_call(ws, "s-ok", "StatusNotification", STATUS)
    assert reply == [3, "s-ok", {}], reply
    await bus.wait_for_async("ev/chargers/CP-RAW201/connectors/1/status", lambda p: p["status"] == "Available")
    assert not bus.select("ev/chargers/CP-RAW201/connectors/1/status", lambda p: p["status"] == "Sleeping")


async def test_16_socket_keeps_16_spellings(cli, bridge_factory, charger_password):
    cli.add_charger("CP-RAW16", charger_password)
    bridge = bridge_factory()
    ws = await open_ws(bridge.url("CP-RAW16"), "CP-RAW16", charger_password)
    try:
        assert ws.subprotocol == "ocpp1.6"
        await raw_call(ws, "b", "BootNotification", {"chargePointVendor": "ITest", "chargePointModel": "Raw16"})
        await ws.send("this is not json")
        reply = await recv_reply(ws, ("-1",), timeout=5)
        assert reply[2] == "FormationViolation", reply
        reply = await raw_call(ws, "m-missing", "StatusNotification", {"connectorId": 1, "errorCode": "NoError"})
        assert reply[2] == "OccurenceConstraintViolation", reply
    finally:
        await ws.close()


async def test_lenient_201_charger(cli, bridge_factory, bus, charger_password):
    """The per-charger lenient mode of 1.6 applies to 2.0.1 too: an unknown extra field is accepted."""
    cli.add_charger("CP-LENIENT201", charger_password, lenient=True)
    cli.add_charger("CP-STRICT201", charger_password)
    bridge = bridge_factory()
    for cp_id, lenient in (("CP-LENIENT201", True), ("CP-STRICT201", False)):
        ws = await open_ws201(bridge.url(cp_id), cp_id, charger_password)
        try:
            await raw_call(ws, "b", "BootNotification", BOOT)
            reply = await raw_call(ws, "s-extra", "StatusNotification", {**STATUS, "vendorExtra": 1})
            if lenient:
                assert reply[0] == 3, f"lenient: {reply}"
            else:
                assert reply[0] == 4 and reply[2] in ("FormatViolation", "PropertyConstraintViolation",
                                                      "OccurrenceConstraintViolation"), f"strict: {reply}"
        finally:
            await ws.close()
