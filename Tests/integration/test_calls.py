"""6. CSMS-initiated calls requested on the bus (ev/calls/{cp}/request) reach the charger and the
answer comes back on ev/calls/{cp}/response, and with MQTT 5 on the request's response topic."""

from __future__ import annotations

import asyncio
import time

import pytest

from support.mqtt import response_properties
from support.ocpp_peer import ConnectedCharger

CALL_TIMEOUT = 1.5


@pytest.fixture
async def online_charger(cli, bridge_factory, bus, charger_password):
    cli.add_charger("CP-CALLS", charger_password)
    cli.add_charger("CP-NEVER-CONNECTED", "never-connected-pw-1")
    bridge = bridge_factory(call_timeout=CALL_TIMEOUT)
    async with ConnectedCharger(bridge.url("CP-CALLS"), "CP-CALLS", charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"
        await bus.wait_for_async("ev/chargers/CP-CALLS/state", lambda p: p["online"] is True)
        yield cp


async def request(bus, cp_id: str, body: dict, *, properties=None, timeout: float = 15):
    mark = bus.mark()
    rc = await asyncio.to_thread(bus.publish, f"ev/calls/{cp_id}/request", body, qos=1, properties=properties)
    assert rc is None or rc.value < 0x80, rc
    return await bus.wait_for_async(f"ev/calls/{cp_id}/response", lambda p: p["id"] == body["id"],
                                    timeout=timeout, since=mark)


async def test_reset_reaches_the_charger_and_the_answer_comes_back(online_charger, bus):
    cp = online_charger
    msg = await request(bus, "CP-CALLS", {"id": "r1", "action": "Reset", "payload": {"type": "Soft"}, "timeoutS": 10})
    r = msg.json
    assert ("Reset", {"type": "Soft"}) in cp.received, cp.received
    assert r["status"] == "ok" and r["action"] == "Reset", r
    assert r["response"] == {"status": "Accepted"}, r
    assert "at" in r
    assert msg.qos == 1 and not msg.retain


async def test_mqtt5_response_topic_and_correlation_data(online_charger, bus, collector_factory):
    cp = online_charger
    cp.reset_status = "Rejected"
    replies = collector_factory(["itest/replies/#"])
    correlation = b"\x00corr-\xff-42"
    mark = replies.mark()
    msg = await request(bus, "CP-CALLS", {"id": "r-v5", "action": "Reset", "payload": {"type": "Hard"}},
                        properties=response_properties("itest/replies/client-7", correlation))
    assert msg.json["response"] == {"status": "Rejected"}
    reply = await replies.wait_for_async("itest/replies/client-7", lambda p: p["id"] == "r-v5", since=mark)
    assert reply.json["status"] == "ok" and reply.json["response"] == {"status": "Rejected"}, reply
    got = getattr(reply.properties, "CorrelationData", None)
    assert got == correlation, f"correlation data {got!r} != {correlation!r}"


async def test_call_to_an_offline_charger(online_charger, bus):
    msg = await request(bus, "CP-NEVER-CONNECTED", {"id": "r-off", "action": "Reset", "payload": {"type": "Soft"}})
    assert msg.json["status"] == "offline", msg
    assert msg.json.get("message"), "every non-ok status carries a human message"
    msg = await request(bus, "CP-NOT-REGISTERED", {"id": "r-unk", "action": "Reset", "payload": {"type": "Soft"}})
    assert msg.json["status"] == "offline", msg


async def test_charger_that_does_not_answer_times_out(online_charger, bus):
    cp = online_charger
    cp.reset_delay = CALL_TIMEOUT + 2.5
    started = time.monotonic()
    msg = await request(bus, "CP-CALLS", {"id": "r-slow", "action": "Reset", "payload": {"type": "Soft"}})
    elapsed = time.monotonic() - started
    assert msg.json["status"] == "timeout", msg
    assert CALL_TIMEOUT - 0.3 <= elapsed <= CALL_TIMEOUT + 3, f"timeout answered after {elapsed:.1f}s (--call-timeout {CALL_TIMEOUT})"
    # the late CALLRESULT arrives after the timeout; the bridge must drop it and keep working
    await asyncio.sleep(3)
    cp.reset_delay = 0
    msg = await request(bus, "CP-CALLS", {"id": "r-after", "action": "Reset", "payload": {"type": "Soft"}})
    assert msg.json["status"] == "ok" and msg.json["response"] == {"status": "Accepted"}, msg
    assert len(bus.select("ev/calls/CP-CALLS/response", lambda p: p["id"] == "r-slow")) == 1, "one response per request"


async def test_request_timeout_overrides_the_default(online_charger, bus):
    cp = online_charger
    cp.reset_delay = 2.5  # longer than --call-timeout 1.5, shorter than timeoutS 6
    msg = await request(bus, "CP-CALLS", {"id": "r-long", "action": "Reset", "payload": {"type": "Soft"}, "timeoutS": 6})
    assert msg.json["status"] == "ok", msg


async def test_invalid_requests(online_charger, bus):
    msg = await request(bus, "CP-CALLS", {"id": "r-bad", "action": "NoSuchAction", "payload": {}})
    assert msg.json["status"] == "invalid", msg
