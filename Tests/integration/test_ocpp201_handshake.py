"""OCPP 2.0.1 negotiation on the same /ocpp/{id} endpoint, 2.0.1 identity rules, and HTTP Basic
auth exactly as for 1.6."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidHandshake, InvalidStatus

from conftest import make_password
from support.ocpp201_peer import connected201, open_ws201
from support.ocpp_peer import open_ws, raw_call


async def expect_status(url: str, cp: str | None, password: str | None, status: int, **kw):
    with pytest.raises(InvalidStatus) as info:
        ws = await open_ws201(url, cp, password, **kw)
        await ws.close()
    assert info.value.response.status_code == status, \
        f"expected HTTP {status}, got {info.value.response.status_code}: {info.value.response.body!r}"
    return info.value.response


@pytest.mark.parametrize("offered, expected", [
    (["ocpp2.0.1", "ocpp1.6"], "ocpp2.0.1"),
    (["ocpp1.6", "ocpp2.0.1"], "ocpp2.0.1"),  # the newest the charger offers, whatever the order
    (["ocpp2.0.1"], "ocpp2.0.1"),
    (["ocpp1.6"], "ocpp1.6"),
])
async def test_negotiation_picks_the_newest_offered(cli, bridge_factory, bus, charger_password, offered, expected):
    cli.add_charger("CP-NEG", charger_password)
    bridge = bridge_factory()
    ws = await open_ws(bridge.url("CP-NEG"), "CP-NEG", charger_password, subprotocols=offered)
    try:
        assert ws.subprotocol == expected, f"offered {offered}: bridge selected {ws.subprotocol!r}"
        if expected == "ocpp2.0.1":
            reply = await raw_call(ws, "b1", "BootNotification",
                                   {"chargingStation": {"vendorName": "ITest", "model": "M"}, "reason": "PowerUp"})
        else:
            reply = await raw_call(ws, "b1", "BootNotification", {"chargePointVendor": "ITest", "chargePointModel": "M"})
        assert reply[0] == 3 and reply[2]["status"] == "Accepted", reply
        state = await bus.wait_for_async("ev/chargers/CP-NEG/state", lambda p: p["online"] is True)
        assert state.json["protocol"] == expected, state
    finally:
        await ws.close()


async def test_pinned_version_wins(cli, bridge_factory, charger_password):
    cli.run("chargers", "add", "CP-PIN16", "--site", "S", "--class", "L2", "--connectors", "1", "--max-power-kw", "22",
            "--password", charger_password, "--protocol", "ocpp1.6")
    bridge = bridge_factory()
    ws = await open_ws(bridge.url("CP-PIN16"), "CP-PIN16", charger_password, subprotocols=["ocpp2.0.1", "ocpp1.6"])
    try:
        assert ws.subprotocol == "ocpp1.6", f"pinned to ocpp1.6, bridge selected {ws.subprotocol!r}"
    finally:
        await ws.close()


async def test_basic_auth_as_in_16(cli, bridge_factory, bus, charger_password):
    cli.add_charger("CP-AUTH201", charger_password)
    bridge = bridge_factory()
    response = await expect_status(bridge.url("CP-AUTH201"), "CP-AUTH201", make_password(), 401)
    assert "basic" in (response.headers.get("WWW-Authenticate") or "").lower(), dict(response.headers)
    await expect_status(bridge.url("CP-AUTH201"), None, None, 401)
    await expect_status(bridge.url("CP-UNKNOWN201"), "CP-UNKNOWN201", charger_password, 404)
    assert not bus.select("ev/chargers/CP-UNKNOWN201/#")
    async with connected201(bridge.url("CP-AUTH201"), "CP-AUTH201", charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"


@pytest.mark.parametrize("identity", ["X" * 49, "CP:COLON"])
async def test_identity_rules_for_201(cli, bridge_factory, bus, identity, tmp_path):
    """At most 48 characters and no ':' (OCPP 2.0.1 Part 4 identity rules): HTTP 400 when only 2.0.1 is offered.
    An auto-registering bridge, so that 404 cannot hide the rule."""
    bridge = bridge_factory(auto_register=True)
    password = make_password()
    from urllib.parse import quote
    url = bridge.url(quote(identity, safe=""))
    try:
        ws = await open_ws201(url, identity, password)
    except InvalidStatus as e:
        assert e.response.status_code == 400, f"{identity!r}: expected HTTP 400, got {e.response.status_code}"
    except InvalidHandshake as e:
        pytest.fail(f"{identity!r}: expected HTTP 400, got {e!r}")
    else:
        await ws.close()
        pytest.fail(f"{identity!r} was accepted for ocpp2.0.1 (selected {ws.subprotocol!r})")
    assert not bus.select(f"ev/chargers/{identity}/#")


async def test_48_character_identity_is_fine(bridge_factory, bus):
    identity = "Y" * 48
    bridge = bridge_factory(auto_register=True)
    async with connected201(bridge.url(identity), identity, make_password()) as cp:
        assert (await cp.boot()).status == "Accepted"
        await bus.wait_for_async(f"ev/chargers/{identity}/state", lambda p: p["online"] is True and p["protocol"] == "ocpp2.0.1")
