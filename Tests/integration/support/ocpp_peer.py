"""The OCPP 1.6 peer: mobilityhouse `ocpp` 2.1.0 ChargePoint over a websockets 17 asyncio client,
plus raw-frame helpers for the tests that must send what the ChargePoint class never would."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import logging
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect
from ocpp.routing import on
from ocpp.v16 import ChargePoint as _ChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

log = logging.getLogger("itest.ocpp")


def basic_auth(cp: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{cp}:{password}".encode()).decode()


def iso(t: dt.datetime | None = None) -> str:
    t = t or dt.datetime.now(dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def open_ws(url: str, cp: str | None = None, password: str | None = None, *,
                  subprotocols: list[str] | None = None, **kw) -> ClientConnection:
    headers = {}
    if cp is not None and password is not None:
        headers["Authorization"] = basic_auth(cp, password)
    kw.setdefault("open_timeout", 10)
    kw.setdefault("close_timeout", 2)
    kw.setdefault("ping_interval", None)  # the bridge pings us; we answer automatically
    return await connect(url, subprotocols=["ocpp1.6"] if subprotocols is None else subprotocols,
                         additional_headers=headers, **kw)


class TestChargePoint(_ChargePoint):
    """A 1.6 charge point that records the CSMS-initiated calls it receives."""

    __test__ = False  # not a pytest test class

    def __init__(self, cp_id: str, connection, response_timeout: float = 15):
        super().__init__(cp_id, connection, response_timeout=response_timeout)
        self.received: list[tuple[str, dict]] = []
        self.reset_delay = 0.0
        self.reset_status = "Accepted"

    @on(Action.reset)
    async def on_reset(self, type, **kwargs):
        self.received.append(("Reset", {"type": type, **kwargs}))
        if self.reset_delay:
            await asyncio.sleep(self.reset_delay)
        return call_result.Reset(status=self.reset_status)

    @on(Action.get_configuration)
    async def on_get_configuration(self, **kwargs):
        self.received.append(("GetConfiguration", kwargs))
        return call_result.GetConfiguration(configuration_key=[], unknown_key=kwargs.get("key") or [])

    @on(Action.change_configuration)
    async def on_change_configuration(self, key, value, **kwargs):
        self.received.append(("ChangeConfiguration", {"key": key, "value": value}))
        return call_result.ChangeConfiguration(status="Accepted")

    @on(Action.trigger_message)
    async def on_trigger_message(self, requested_message, **kwargs):
        self.received.append(("TriggerMessage", {"requested_message": requested_message, **kwargs}))
        return call_result.TriggerMessage(status="Rejected")

    async def call(self, payload, suppress=False, unique_id=None, skip_schema_validation=False):
        """As the base class, but a CALLERROR from the bridge raises (with its code) instead of
        returning None, so a test fails where the bridge refused, not on a later attribute."""
        return await super().call(payload, suppress=suppress, unique_id=unique_id,
                                  skip_schema_validation=skip_schema_validation)

    # -- charger-initiated calls --
    async def boot(self, vendor="ITest", model="Model-T", serial="SN-0001", firmware="1.2.3", **extra):
        return await self.call(call.BootNotification(
            charge_point_vendor=vendor, charge_point_model=model, charge_point_serial_number=serial,
            firmware_version=firmware, **extra))

    async def heartbeat(self):
        return await self.call(call.Heartbeat())

    async def status(self, connector: int, status: str, error_code: str = "NoError", **extra):
        return await self.call(call.StatusNotification(connector_id=connector, error_code=error_code,
                                                       status=status, **extra))

    async def authorize(self, tag: str):
        return await self.call(call.Authorize(id_tag=tag))

    async def start_tx(self, connector: int, tag: str, meter_start: int, timestamp: dt.datetime | None = None):
        return await self.call(call.StartTransaction(connector_id=connector, id_tag=tag, meter_start=meter_start,
                                                     timestamp=iso(timestamp)))

    async def stop_tx(self, tx: int, meter_stop: int, timestamp: dt.datetime | None = None, reason: str | None = None,
                      tag: str | None = None):
        return await self.call(call.StopTransaction(transaction_id=tx, meter_stop=meter_stop, timestamp=iso(timestamp),
                                                    reason=reason, id_tag=tag))

    async def meter(self, connector: int, sampled: list[dict], timestamp: dt.datetime | None = None,
                    tx: int | None = None):
        return await self.call(call.MeterValues(connector_id=connector, transaction_id=tx,
                                                meter_value=[{"timestamp": iso(timestamp), "sampledValue": sampled}]))


class ConnectedCharger:
    """`async with ConnectedCharger(url, cp, pw) as c:` opens the socket, runs the ChargePoint's
    receive loop as a task, and closes everything on exit."""

    def __init__(self, url: str, cp: str, password: str, *, cp_class=TestChargePoint, response_timeout: float = 15,
                 **ws_kw):
        self.url, self.cp_id, self.password = url, cp, password
        self.cp_class = cp_class
        self.response_timeout = response_timeout
        self.ws_kw = ws_kw
        self.ws: ClientConnection | None = None
        self.cp: TestChargePoint | None = None
        self.task: asyncio.Task | None = None

    async def open(self) -> "ConnectedCharger":
        self.ws = await open_ws(self.url, self.cp_id, self.password, **self.ws_kw)
        self.cp = self.cp_class(self.cp_id, self.ws, response_timeout=self.response_timeout)
        self.task = asyncio.create_task(self._serve(), name=f"cp-{self.cp_id}")
        return self

    async def _serve(self):
        try:
            await self.cp.start()
        except websockets.ConnectionClosed:
            pass

    async def close(self):
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self.ws:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def __aenter__(self) -> TestChargePoint:
        await self.open()
        return self.cp

    async def __aexit__(self, *exc):
        await self.close()

    @property
    def closed(self) -> bool:
        return self.ws is None or self.ws.close_code is not None or self.task.done()


# -- raw frames --

async def recv_frame(ws: ClientConnection, timeout: float = 10.0) -> Any:
    text = await asyncio.wait_for(ws.recv(), timeout)
    return json.loads(text)


async def recv_reply(ws: ClientConnection, ids: str | tuple[str, ...] | None, timeout: float = 10.0) -> list:
    """Next CALLRESULT/CALLERROR whose id is in `ids` (None: any). CALLs from the bridge are
    answered with a CALLERROR NotImplemented so it never waits on us; other frames are skipped."""
    if isinstance(ids, str):
        ids = (ids,)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise TimeoutError(f"no reply with id in {ids} within {timeout}s")
        frame = await recv_frame(ws, remaining)
        if isinstance(frame, list) and frame and frame[0] == 2 and len(frame) >= 3:
            await ws.send(json.dumps([4, frame[1], "NotImplemented", "raw test peer", {}]))
            continue
        if isinstance(frame, list) and frame and frame[0] in (3, 4) and (ids is None or frame[1] in ids):
            return frame
        log.info("skipping frame %s", frame)


async def raw_call(ws: ClientConnection, unique_id: str, action: str, payload: dict, timeout: float = 10.0) -> list:
    await ws.send(json.dumps([2, unique_id, action, payload]))
    return await recv_reply(ws, unique_id, timeout)
