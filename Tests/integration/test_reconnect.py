"""4. A charger reconnecting with the same id replaces its old socket: the bridge closes the old
one and publishes offline/replaced, then online; the old socket closing later must not make the
charger look offline."""

from __future__ import annotations

import asyncio

from support.ocpp_peer import ConnectedCharger


async def test_second_connection_replaces_the_first(cli, bridge_factory, bus, charger_password):
    cp_id = "CP-TWICE"
    cli.add_charger(cp_id, charger_password)
    bridge = bridge_factory()
    topic = f"ev/chargers/{cp_id}/state"

    first = ConnectedCharger(bridge.url(cp_id), cp_id, charger_password)
    second = ConnectedCharger(bridge.url(cp_id), cp_id, charger_password)
    try:
        cp1 = await first.open()
        assert (await cp1.cp.boot()).status == "Accepted"
        online1 = await bus.wait_for_async(topic, lambda p: p["online"] is True)
        remote1 = online1.json["remote"]

        mark = bus.mark()
        cp2 = await second.open()
        assert (await cp2.cp.boot()).status == "Accepted"

        # the bridge closes the old socket
        try:
            await asyncio.wait_for(first.ws.wait_closed(), 10)
        except asyncio.TimeoutError:
            raise AssertionError("the old socket is still open 10 s after the charger reconnected") from None

        replaced = await bus.wait_for_async(topic, lambda p: p["online"] is False, since=mark)
        assert replaced.json["reason"] == "replaced", replaced
        online2 = await bus.wait_for_async(topic, lambda p: p["online"] is True, since=replaced.index + 1)
        assert online2.json["remote"] != remote1, "the new socket has another source port"

        # the new socket works, and nothing marks the charger offline afterwards
        await cp2.cp.heartbeat()
        await asyncio.sleep(1.5)
        states = [m.json for m in bus.select(topic, since=mark)]
        assert states[-1]["online"] is True, f"state after the replacement settled: {states}"
        assert [s["online"] for s in states] == [False, True], \
            f"expected exactly offline(replaced), online after reconnecting; got {states}"
    finally:
        await second.close()
        await first.close()
