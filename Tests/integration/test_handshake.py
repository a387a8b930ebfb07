"""2. The WebSocket handshake: HTTP Basic auth, unknown chargers, --auto-register, subprotocol."""

from __future__ import annotations

import pytest
import websockets
from websockets.exceptions import InvalidHandshake, InvalidStatus

from conftest import make_password
from support.ocpp_peer import ConnectedCharger, open_ws, raw_call


async def expect_status(url: str, cp: str | None, password: str | None, status: int, **kw):
    with pytest.raises(InvalidStatus) as info:
        ws = await open_ws(url, cp, password, **kw)
        await ws.close()
    assert info.value.response.status_code == status, \
        f"expected HTTP {status}, got {info.value.response.status_code}: {info.value.response.body!r}"
    return info.value.response


async def test_bad_password_is_401(cli, bridge_factory, charger_password):
    cli.add_charger("CP-AUTH-1", charger_password)
    bridge = bridge_factory()
    response = await expect_status(bridge.url("CP-AUTH-1"), "CP-AUTH-1", make_password(), 401)
    assert "basic" in (response.headers.get("WWW-Authenticate") or "").lower(), \
        f"401 should carry WWW-Authenticate: Basic ({dict(response.headers)})"
    # no credentials at all
    await expect_status(bridge.url("CP-AUTH-1"), None, None, 401)
    # the credentials of a charger for another charger's URL
    cli.add_charger("CP-AUTH-2", "other-password-123")
    await expect_status(bridge.url("CP-AUTH-1"), "CP-AUTH-2", "other-password-123", 401)
    # and the right password works
    async with ConnectedCharger(bridge.url("CP-AUTH-1"), "CP-AUTH-1", charger_password) as cp:
        assert (await cp.boot()).status == "Accepted"


async def test_unknown_charger_is_404_then_auto_register_accepts_it(cli, bridge_factory, bus, tmp_path):
    cli.add_charger("CP-KNOWN", make_password())
    strict = bridge_factory()
    password = make_password()
    await expect_status(strict.url("CP-NEW-1"), "CP-NEW-1", password, 404)
    assert not bus.select("ev/chargers/CP-NEW-1/#"), "a refused charger must not appear on the bus"

    # a separate bridge instance with its own database and --auto-register
    lenient = bridge_factory(auto_register=True, data=tmp_path / "data-auto")
    async with ConnectedCharger(lenient.url("CP-NEW-1"), "CP-NEW-1", password) as cp:
        boot = await cp.boot()
        assert boot.status == "Accepted"
        await bus.wait_for_async("ev/chargers/CP-NEW-1/state",
                                 lambda p: p["online"] is True and p["bridge"] == lenient.bridge_id)


async def test_handshake_without_ocpp16_subprotocol_is_refused(cli, bridge_factory, charger_password):
    cli.add_charger("CP-PROTO", charger_password)
    bridge = bridge_factory()
    for offered in ([], ["ocpp0.9"]):
        try:
            ws = await open_ws(bridge.url("CP-PROTO"), "CP-PROTO", charger_password, subprotocols=offered)
        except (InvalidStatus, InvalidHandshake):
            continue  # refused at the HTTP level: fine
        # Accepted at the HTTP level without a subprotocol: the bridge must then close at once.
        try:
            assert ws.subprotocol is None, f"bridge selected {ws.subprotocol!r} though {offered} was offered"
            with pytest.raises(websockets.ConnectionClosed):
                await raw_call(ws, "b1", "BootNotification", {"chargePointVendor": "X", "chargePointModel": "Y"},
                               timeout=5)
        except TimeoutError:
            pytest.fail(f"offering {offered}: socket open and silent instead of refused")
        finally:
            await ws.close()
