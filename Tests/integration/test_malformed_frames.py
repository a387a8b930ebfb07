"""3. Malformed frames, sent raw through the WebSocket (the ChargePoint class would refuse to send
them): each gets the right CALLERROR, the socket stays open, and a Heartbeat is still answered."""

from __future__ import annotations

import json

import pytest
import websockets

from support.ocpp_peer import open_ws, raw_call, recv_reply

BOOT = {"chargePointVendor": "ITest", "chargePointModel": "Raw"}

# (name, raw text, ids the CALLERROR may carry, expected error code)
CASES = [
    ("not JSON", "this is not json", ("-1",), "FormationViolation"),
    ("truncated JSON", '[2,"bad-json-1","Heartbeat",{', ("-1", "bad-json-1"), "FormationViolation"),
    # Not said by the contract beyond "malformed": accept either 1.6 code for a broken RPC frame.
    ("JSON but not an array", '{"hello":"world"}', ("-1",), ("FormationViolation", "ProtocolError")),
    ("CALL without payload", '[2,"short-1","Heartbeat"]', ("-1", "short-1"), ("FormationViolation", "ProtocolError")),
    ("unknown action", json.dumps([2, "m-unknown", "FooBar", {}]), ("m-unknown",), "NotImplemented"),
    ("missing required field", json.dumps([2, "m-missing", "StatusNotification",
                                           {"connectorId": 1, "errorCode": "NoError"}]),
     ("m-missing",), "OccurenceConstraintViolation"),
    ("wrong type", json.dumps([2, "m-type", "StatusNotification",
                               {"connectorId": "abc", "errorCode": "NoError", "status": "Available"}]),
     ("m-type",), "TypeConstraintViolation"),
    ("bad enum value", json.dumps([2, "m-enum", "StatusNotification",
                                   {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]),
     ("m-enum",), "PropertyConstraintViolation"),
]


@pytest.fixture
async def raw_socket(cli, bridge_factory, bus, charger_password):
    cli.add_charger("CP-RAW", charger_password)
    bridge = bridge_factory()
    ws = await open_ws(bridge.url("CP-RAW"), "CP-RAW", charger_password)
    reply = await raw_call(ws, "boot-1", "BootNotification", BOOT)
    assert reply[0] == 3 and reply[2]["status"] == "Accepted", reply
    yield ws
    await ws.close()


async def test_malformed_frames_get_callerror_and_socket_survives(raw_socket, bus):
    ws = raw_socket
    failures = []
    for n, (name, text, ids, code) in enumerate(CASES):
        await ws.send(text)
        try:
            reply = await recv_reply(ws, ids, timeout=5)
        except TimeoutError:
            failures.append(f"{name}: no CALLERROR with id in {ids}")
        except websockets.ConnectionClosed as e:
            pytest.fail(f"{name}: the bridge closed the socket ({e}); failures so far: {failures}")
        else:
            codes = code if isinstance(code, tuple) else (code,)
            if reply[0] != 4 or reply[2] not in codes:
                failures.append(f"{name}: expected [4,{ids[0]!r},{' or '.join(codes)},…], got {reply}")
            elif len(reply) != 5 or not isinstance(reply[3], str) or not isinstance(reply[4], dict):
                failures.append(f"{name}: CALLERROR must be [4,id,code,description,details{{}}], got {reply}")
        # the connection is still usable
        hb_id = f"hb-after-{n}"
        try:
            hb = await raw_call(ws, hb_id, "Heartbeat", {}, timeout=5)
        except websockets.ConnectionClosed as e:
            pytest.fail(f"after {name}: socket closed ({e}); failures so far: {failures}")
        except TimeoutError:
            failures.append(f"after {name}: Heartbeat not answered")
            continue
        if not (hb[0] == 3 and "currentTime" in hb[2]):
            failures.append(f"after {name}: Heartbeat answered {hb}")
    assert not failures, "\n".join(failures)

    # The bad frame is still visible on the debug topic (as a string, flagged malformed).
    m = await bus.wait_for_async("ev/chargers/CP-RAW/ocpp", lambda p: p["dir"] == "in" and p["frame"] == "this is not json")
    assert m.json.get("malformed") is True, m


async def test_bad_status_is_not_published(raw_socket, bus):
    """A StatusNotification refused with a CALLERROR must not reach the connector status topic."""
    ws = raw_socket
    reply = await raw_call(ws, "s-enum", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"})
    assert reply[0] == 4, reply
    reply = await raw_call(ws, "s-ok", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"})
    assert reply == [3, "s-ok", {}], reply
    await bus.wait_for_async("ev/chargers/CP-RAW/connectors/1/status", lambda p: p["status"] == "Available")
    assert not bus.select("ev/chargers/CP-RAW/connectors/1/status", lambda p: p["status"] == "Sleeping")
