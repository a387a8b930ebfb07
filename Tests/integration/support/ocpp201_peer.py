"""The OCPP 2.0.1 peer: mobilityhouse `ocpp` 2.1.0 `ocpp.v201.ChargePoint` over a websockets
client offering only `ocpp2.0.1`, plus builders for the 2.0.1 payloads the tests send.

Outgoing calls are validated against the 2.0.1 JSON schemas by the library, so a test that
passes here sent what a conformant charging station would. CSMS-initiated calls are answered by
handlers whose answers the test can change, and every incoming CALL is recorded as it was on
the wire (camelCase), in `received`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

from ocpp.routing import on
from ocpp.v201 import ChargePoint as _ChargePoint
from ocpp.v201 import call, call_result

from .ocpp_peer import ConnectedCharger, iso, open_ws, utcnow  # noqa: F401  (re-exported)

SUBPROTOCOL = "ocpp2.0.1"


async def open_ws201(url: str, cp: str | None = None, password: str | None = None, **kw):
    kw.setdefault("subprotocols", [SUBPROTOCOL])
    return await open_ws(url, cp, password, **kw)


def tx_id() -> str:
    return str(uuid.uuid4())


# -- payload pieces (camelCase, as on the wire) --

def sv(value: float, measurand: str = "Energy.Active.Import.Register", unit: str | None = "Wh", *,
       context: str = "Sample.Periodic", multiplier: int | None = None, **extra) -> dict:
    """A SampledValueType. `unit=None` leaves unitOfMeasure out (the spec default is Wh)."""
    value_ = {"value": value, "measurand": measurand, "context": context, **extra}
    if unit is not None or multiplier is not None:
        uom: dict[str, Any] = {}
        if unit is not None:
            uom["unit"] = unit
        if multiplier is not None:
            uom["multiplier"] = multiplier
        value_["unitOfMeasure"] = uom
    return value_


def meter_value(*sampled: dict, timestamp: dt.datetime | None = None) -> dict:
    return {"timestamp": iso(timestamp), "sampledValue": list(sampled)}


def energy(wh: float, context: str, timestamp: dt.datetime | None = None) -> list[dict]:
    return [meter_value(sv(wh, context=context), timestamp=timestamp)]


def problem_event(component: str, raised: bool, *, evse: int | None = 1, event_id: int = 1,
                  tech_code: str | None = None, tech_info: str | None = None, variable: str = "Problem",
                  notification: str = "HardWiredNotification", trigger: str = "Delta") -> dict:
    comp: dict[str, Any] = {"name": component}
    if evse is not None:
        comp["evse"] = {"id": evse, "connectorId": 1}
    event = {"eventId": event_id, "timestamp": iso(), "trigger": trigger,
             "actualValue": "true" if raised else "false", "eventNotificationType": notification,
             "component": comp, "variable": {"name": variable}}
    if not raised:
        event["cleared"] = True
    if tech_code is not None:
        event["techCode"] = tech_code
    if tech_info is not None:
        event["techInfo"] = tech_info
    return event


class ChargePoint201(_ChargePoint):
    """A 2.0.1 charging station driven by the test. Answers of the CSMS-initiated calls can be
    changed through `answers[action]` (a dict payload, camelCase)."""

    __test__ = False

    def __init__(self, cp_id: str, connection, response_timeout: float = 15):
        super().__init__(cp_id, connection, response_timeout=response_timeout)
        self.received: list[tuple[str, dict]] = []
        self.answers: dict[str, dict] = {}
        self.seq: dict[str, int] = {}

    async def route_message(self, raw_msg):
        try:
            frame = json.loads(raw_msg)
            if isinstance(frame, list) and len(frame) == 4 and frame[0] == 2:
                self.received.append((frame[2], frame[3]))
        except ValueError:
            pass
        return await super().route_message(raw_msg)

    def calls_of(self, action: str) -> list[dict]:
        return [p for a, p in self.received if a == action]

    async def wait_call(self, action: str, timeout: float = 10, count: int = 1) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            got = self.calls_of(action)
            if len(got) >= count:
                return got[count - 1]
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the charger got no {action} (#{count}) within {timeout}s; got {self.received}")
            await asyncio.sleep(0.02)

    async def call(self, payload, suppress=False, unique_id=None, skip_schema_validation=False):
        """As the base class, but a CALLERROR raises (with its code) instead of returning None."""
        return await super().call(payload, suppress=suppress, unique_id=unique_id,
                                  skip_schema_validation=skip_schema_validation)

    # -- CSMS-initiated calls: record (in route_message) and answer --
    def _answer(self, action: str, default: dict):
        return self.answers.get(action, default)

    @on("Reset")
    async def on_reset(self, **kw):
        return call_result.Reset(**_snake(self._answer("Reset", {"status": "Accepted"})))

    @on("RequestStartTransaction")
    async def on_request_start(self, **kw):
        return call_result.RequestStartTransaction(
            **_snake(self._answer("RequestStartTransaction", {"status": "Accepted"})))

    @on("RequestStopTransaction")
    async def on_request_stop(self, **kw):
        return call_result.RequestStopTransaction(**_snake(self._answer("RequestStopTransaction", {"status": "Accepted"})))

    @on("UnlockConnector")
    async def on_unlock(self, **kw):
        return call_result.UnlockConnector(**_snake(self._answer("UnlockConnector", {"status": "Unlocked"})))

    @on("GetVariables")
    async def on_get_variables(self, get_variable_data, **kw):
        if "GetVariables" in self.answers:
            return call_result.GetVariables(**_snake(self.answers["GetVariables"]))
        model = {("OCPPCommCtrlr", "HeartbeatInterval"): "300", ("SampledDataCtrlr", "TxUpdatedInterval"): "60"}
        results = []
        for item in get_variable_data:
            comp, var = item["component"], item["variable"]
            value = model.get((comp["name"], var["name"]))
            result = {"attributeStatus": "Accepted" if value is not None else "UnknownVariable",
                      "component": _camel(comp), "variable": _camel(var)}
            if value is not None:
                result["attributeValue"] = value
            results.append(result)
        return call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    async def on_set_variables(self, set_variable_data, **kw):
        if "SetVariables" in self.answers:
            return call_result.SetVariables(**_snake(self.answers["SetVariables"]))
        return call_result.SetVariables(set_variable_result=[
            {"attributeStatus": "Accepted", "component": _camel(i["component"]), "variable": _camel(i["variable"])}
            for i in set_variable_data])

    @on("ClearCache")
    async def on_clear_cache(self, **kw):
        return call_result.ClearCache(**_snake(self._answer("ClearCache", {"status": "Accepted"})))

    @on("TriggerMessage")
    async def on_trigger(self, **kw):
        return call_result.TriggerMessage(**_snake(self._answer("TriggerMessage", {"status": "Accepted"})))

    @on("ChangeAvailability")
    async def on_change_availability(self, **kw):
        return call_result.ChangeAvailability(**_snake(self._answer("ChangeAvailability", {"status": "Accepted"})))

    @on("UpdateFirmware")
    async def on_update_firmware(self, **kw):
        return call_result.UpdateFirmware(**_snake(self._answer("UpdateFirmware", {"status": "Accepted"})))

    @on("GetLog")
    async def on_get_log(self, **kw):
        return call_result.GetLog(**_snake(self._answer("GetLog", {"status": "Accepted", "filename": "diag.log"})))

    @on("DataTransfer")
    async def on_data_transfer(self, **kw):
        return call_result.DataTransfer(**_snake(self._answer("DataTransfer", {"status": "Accepted"})))

    # -- charger-initiated calls --
    async def boot(self, vendor="ITest", model="Model-201", serial="SN-201", firmware="2.0.1-a", reason="PowerUp",
                   modem: dict | None = None):
        station: dict[str, Any] = {"vendorName": vendor, "model": model}
        if serial is not None:
            station["serialNumber"] = serial
        if firmware is not None:
            station["firmwareVersion"] = firmware
        if modem is not None:
            station["modem"] = modem
        return await self.call(call.BootNotification(charging_station=station, reason=reason))

    async def heartbeat(self):
        return await self.call(call.Heartbeat())

    async def status(self, evse: int, status: str, connector: int = 1, timestamp: dt.datetime | None = None):
        return await self.call(call.StatusNotification(timestamp=iso(timestamp), connector_status=status,
                                                       evse_id=evse, connector_id=connector))

    async def authorize(self, tag: str, type_: str = "ISO14443"):
        return await self.call(call.Authorize(id_token={"idToken": tag, "type": type_}))

    async def tx_event(self, event_type: str, transaction_id: str, *, trigger: str, charging_state: str | None = None,
                       evse: int | None = None, tag: str | None = None, meter: list[dict] | None = None,
                       stopped_reason: str | None = None, remote_start_id: int | None = None,
                       timestamp: dt.datetime | None = None, seq_no: int | None = None):
        info: dict[str, Any] = {"transactionId": transaction_id}
        if charging_state is not None:
            info["chargingState"] = charging_state
        if stopped_reason is not None:
            info["stoppedReason"] = stopped_reason
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        if seq_no is None:
            seq_no = self.seq.get(transaction_id, 0)
        self.seq[transaction_id] = seq_no + 1
        return await self.call(call.TransactionEvent(
            event_type=event_type, timestamp=iso(timestamp), trigger_reason=trigger, seq_no=seq_no,
            transaction_info=info, meter_value=meter,
            evse={"id": evse, "connectorId": 1} if evse is not None else None,
            id_token={"idToken": tag, "type": "ISO14443"} if tag is not None else None))

    async def meter(self, evse: int, values: list[dict]):
        return await self.call(call.MeterValues(evse_id=evse, meter_value=values))

    async def notify_events(self, *events: dict, seq_no: int = 0):
        return await self.call(call.NotifyEvent(generated_at=iso(), seq_no=seq_no, event_data=list(events)))

    async def security_event(self, type_: str, tech_info: str | None = None):
        return await self.call(call.SecurityEventNotification(type=type_, timestamp=iso(), tech_info=tech_info))

    async def firmware_status(self, status: str, request_id: int | None = None):
        return await self.call(call.FirmwareStatusNotification(status=status, request_id=request_id))

    async def log_status(self, status: str, request_id: int | None = None):
        return await self.call(call.LogStatusNotification(status=status, request_id=request_id))

    async def notify_report(self, request_id: int, report_data: list[dict], seq_no: int = 0):
        return await self.call(call.NotifyReport(request_id=request_id, generated_at=iso(), seq_no=seq_no,
                                                 report_data=report_data))

    async def data_transfer(self, vendor_id: str, message_id: str | None = None, data: Any = None):
        return await self.call(call.DataTransfer(vendor_id=vendor_id, message_id=message_id, data=data))


def connected201(url: str, cp: str, password: str, **kw) -> ConnectedCharger:
    """`async with connected201(url, cp, pw) as cp:` a ChargePoint201 on a socket offering only ocpp2.0.1."""
    kw.setdefault("subprotocols", [SUBPROTOCOL])
    return ConnectedCharger(url, cp, password, cp_class=ChargePoint201, **kw)


def _snake_key(key: str) -> str:
    out = ""
    for ch in key:
        out += ("_" + ch.lower()) if ch.isupper() else ch
    return out


def _snake(payload: dict) -> dict:
    """Top-level keys to snake_case (the call_result dataclasses' field names); nested dicts stay camelCase."""
    return {_snake_key(k): v for k, v in payload.items()}


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel_key(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value
