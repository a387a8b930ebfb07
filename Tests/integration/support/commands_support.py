"""Helpers of the commands daemon's end-to-end tests: a 1.6 charge point that answers every
CSMS-initiated call the way a real one does (RemoteStart starts a session, UpdateFirmware walks
FirmwareStatusNotification, ChangeAvailability reports the connector status…), the daemon process,
and a requester that publishes commands and waits for their results."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from pathlib import Path

from ocpp.routing import after, on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action

from . import procs
from .ocpp_peer import TestChargePoint, iso

_ids = itertools.count(1)


class CommandsChargePoint(TestChargePoint):
    """Answers every 1.6 CSMS call. `faulted` connectors stay Faulted after an availability cycle
    (then a soft Reset clears them if `reset_clears_fault`)."""

    __test__ = False

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.status_of: dict[int, str] = {0: "Available", 1: "Available", 2: "Available"}
        self.faulted: set[int] = set()
        self.reset_clears_fault = True
        self.sticky_fault = False  # nothing clears the fault
        self.transactions: dict[int, int] = {}  # connector -> transaction id
        self.meter_wh = 1000
        self.firmware_steps = ["Downloading", "Downloaded", "Installing", "Installed"]
        self.firmware_step_delay = 0.2
        self.silent = False  # never answer (timeouts)

    async def set_status(self, connector: int, status: str, error_code: str = "NoError"):
        self.status_of[connector] = status
        await self.status(connector, status, error_code)

    async def _maybe_silent(self):
        if self.silent:
            await asyncio.sleep(3600)

    @on(Action.reset)
    async def on_reset(self, type, **kwargs):
        await self._maybe_silent()
        return await super().on_reset(type, **kwargs)

    @after(Action.reset)
    async def after_reset(self, type, **kwargs):
        if self.reset_status != "Accepted":
            return
        await asyncio.sleep(0.3)
        if self.reset_clears_fault and not self.sticky_fault:
            self.faulted.clear()
        for c in (1, 2):
            if c in self.faulted:
                await self.set_status(c, "Faulted", "OtherError")
            else:
                await self.set_status(c, "Available")

    @on(Action.remote_start_transaction)
    async def on_remote_start(self, id_tag, connector_id=None, **kwargs):
        self.received.append(("RemoteStartTransaction", {"id_tag": id_tag, "connector_id": connector_id}))
        return call_result.RemoteStartTransaction(status="Accepted")

    @after(Action.remote_start_transaction)
    async def after_remote_start(self, id_tag, connector_id=None, **kwargs):
        c = connector_id or 1
        await self.set_status(c, "Preparing")
        r = await self.start_tx(c, id_tag, self.meter_wh)
        self.transactions[c] = r.transaction_id
        await self.set_status(c, "Charging")

    @on(Action.remote_stop_transaction)
    async def on_remote_stop(self, transaction_id, **kwargs):
        self.received.append(("RemoteStopTransaction", {"transaction_id": transaction_id}))
        known = transaction_id in self.transactions.values()
        return call_result.RemoteStopTransaction(status="Accepted" if known else "Rejected")

    @after(Action.remote_stop_transaction)
    async def after_remote_stop(self, transaction_id, **kwargs):
        for c, tx in list(self.transactions.items()):
            if tx == transaction_id:
                del self.transactions[c]
                await self.stop_tx(tx, self.meter_wh + 500, reason="Remote")
                await self.set_status(c, "Available")

    @on(Action.unlock_connector)
    async def on_unlock(self, connector_id, **kwargs):
        self.received.append(("UnlockConnector", {"connector_id": connector_id}))
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.clear_cache)
    async def on_clear_cache(self, **kwargs):
        self.received.append(("ClearCache", {}))
        return call_result.ClearCache(status="Accepted")

    @on(Action.change_availability)
    async def on_change_availability(self, connector_id, type, **kwargs):
        self.received.append(("ChangeAvailability", {"connector_id": connector_id, "type": type}))
        return call_result.ChangeAvailability(status="Accepted")

    @after(Action.change_availability)
    async def after_change_availability(self, connector_id, type, **kwargs):
        targets = [connector_id] if connector_id else [0, 1, 2]
        for c in targets:
            if type == "Inoperative":
                await self.set_status(c, "Unavailable")
            elif c in self.faulted:
                # The fault is latched: an availability cycle does not clear it.
                await self.set_status(c, "Faulted", "OtherError")
            else:
                await self.set_status(c, "Available")

    @on(Action.get_configuration)
    async def on_get_configuration(self, key=None, **kwargs):
        self.received.append(("GetConfiguration", {"key": key}))
        config = {"HeartbeatInterval": "300", "MeterValueSampleInterval": "60", "NumberOfConnectors": "2"}
        keys = key or list(config)
        return call_result.GetConfiguration(
            configuration_key=[{"key": k, "readonly": k == "NumberOfConnectors", "value": config[k]} for k in keys if k in config],
            unknown_key=[k for k in keys if k not in config])

    @on(Action.trigger_message)
    async def on_trigger_message(self, requested_message, **kwargs):
        self.received.append(("TriggerMessage", {"requested_message": requested_message, **kwargs}))
        return call_result.TriggerMessage(status="Accepted")

    @on(Action.update_firmware)
    async def on_update_firmware(self, location, retrieve_date, **kwargs):
        self.received.append(("UpdateFirmware", {"location": location, "retrieve_date": retrieve_date}))
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    async def after_update_firmware(self, location, retrieve_date, **kwargs):
        for step in self.firmware_steps:
            await asyncio.sleep(self.firmware_step_delay)
            await self.call(call.FirmwareStatusNotification(status=step))

    @on(Action.get_diagnostics)
    async def on_get_diagnostics(self, location, **kwargs):
        self.received.append(("GetDiagnostics", {"location": location, **kwargs}))
        return call_result.GetDiagnostics(file_name="diag-0001.tar.gz")

    @on(Action.data_transfer)
    async def on_data_transfer(self, vendor_id, message_id=None, data=None, **kwargs):
        self.received.append(("DataTransfer", {"vendor_id": vendor_id, "message_id": message_id, "data": data}))
        return call_result.DataTransfer(status="Accepted", data="pong")

    def actions(self) -> list[str]:
        return [a for a, _ in self.received]


DEFAULT_CONFIG = """
commands:
  identity: {identity}
  callTimeoutS: {call_timeout}
  rateLimit: {{commands: {rate}, perSeconds: 60}}
  clearFault: {{availabilityTimeoutS: 2, resetTimeoutS: 6}}
  remoteStartTimeoutS: 30
  tariffs:
    default: {{currency: EUR, perKWh: 0.5, perSession: 0}}
  users:
    ada: {{role: Admin}}
    max: {{role: Manager}}
    dee: {{role: Dispatcher, sites: north}}
    ops: {{role: OpsAgent, sites: "north, south"}}
    ian: {{role: Installer, sites: north}}
    cpo: {{role: CPO, sites: north}}
    tech-alice: {{role: Installer, sites: north}}
    tech-bob: {{role: Dispatcher, sites: south}}
"""


class CommandsDaemon:
    def __init__(self, binary: Path, *, mqtt_url: str, data_dir: Path, log_path: Path, config_path: Path,
                 identity: str = "broker", call_timeout: float = 3, rate: int = 1000, extra_config: str = ""):
        self.binary, self.mqtt_url, self.data_dir, self.log_path = binary, mqtt_url, data_dir, log_path
        self.config_path = config_path
        config_path.write_text(DEFAULT_CONFIG.format(identity=identity, call_timeout=call_timeout, rate=rate) + extra_config)
        self.proc = None

    def start(self, timeout: float = 20) -> "CommandsDaemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        self.proc = procs.spawn([self.binary, "commands", "--mqtt", self.mqtt_url, "--data", self.data_dir,
                                 "--config", self.config_path, "--log-level", "debug"], log_path=self.log_path, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "commands daemon connected" in self.log_path.read_text(errors="replace"):
                time.sleep(0.7)  # the warm-up before requests are taken
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"chargebus commands exited {self.proc.returncode}:\n{procs.tail(self.log_path, 50)}")
            time.sleep(0.05)
        raise AssertionError(f"chargebus commands did not connect:\n{procs.tail(self.log_path, 50)}")

    def stop(self, timeout: float = 15) -> int | None:
        return procs.terminate(self.proc, timeout)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def new_id() -> str:
    return f"it-{next(_ids)}-{uuid.uuid4().hex[:8]}"


async def command(bus, cp: str, name: str, params: dict | None = None, *, user: str | None = "ada", id: str | None = None,
                  force: bool | None = None, by: str | None = None, timeout: float = 20, raw: str | bytes | None = None,
                  properties=None, client=None) -> dict:
    """Publishes a request on the identity-bound topic (…/by/{user}) and returns its final result."""
    rid = id or new_id()
    body: dict = {"id": rid, "params": params or {}}
    if by is not None:
        body["by"] = by
    if force is not None:
        body["force"] = force
    topic = f"ev/chargers/{cp}/commands/{name}" + (f"/by/{user}" if user else "")
    mark = bus.mark()
    publisher = client or bus
    rc = await asyncio.to_thread(publisher.publish, topic, raw if raw is not None else body, qos=1, properties=properties)
    assert rc is None or getattr(rc, "value", 0) < 0x80, f"publish refused: {rc}"
    want_id = "" if raw is not None else rid
    msg = await bus.wait_for_async(f"ev/chargers/{cp}/commands/{name if raw is None or name else 'unknown'}/result",
                                   lambda p: p["id"] == want_id and p["final"] is True, timeout=timeout, since=mark)
    return msg.json
