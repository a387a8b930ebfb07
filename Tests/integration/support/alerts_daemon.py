"""The real `chargebus alerts` daemon for the alert tests, plus fixtures and a charger helper.
Import the fixtures into a test module with `from support.alerts_daemon import *  # noqa`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from . import procs
from .bridge import REPO_ROOT
from .mqtt import Collector
from .ocpp_peer import ConnectedCharger, utcnow

CODES_DIR = REPO_ROOT / "codes"

# Short hold times so each rule fires and resolves within seconds.
FAST_RULES = f"""
alerts:
  codesDirectory: {CODES_DIR}
  tickS: 0.05
  groups:
    dc: {{classes: L3}}
  rules:
    disconnected: {{for: 2s, keepFiringFor: 0s}}
    faulted: {{for: 1s, keepFiringFor: 0s}}
    vendor-code: {{codes: "https://chargex.inl.gov/CX018", minCodeSeverity: critical, keepFiringFor: 0s}}
    soc-stall: {{for: 3s, socBelow: 40, keepFiringFor: 0s}}
    energy-stall: {{for: 3s, keepFiringFor: 0s}}
    failed-sessions: {{count: 3, window: 6s, minSession: 2s, minSessionEnergyWh: 50}}
    weak-signal: {{for: 1s, keepFiringFor: 0s}}
    suspended: {{for: 2s, keepFiringFor: 0s}}
    flapping: {{count: 3, window: 30s}}
    stale-session: {{for: 4s}}
"""


class AlertsDaemon:
    def __init__(self, binary: Path, *, mqtt_url: str, mqtt_port: int, data_dir: Path, rules: Path, log_path: Path):
        self.binary, self.mqtt_url, self.mqtt_port = binary, mqtt_url, mqtt_port
        self.data_dir, self.rules, self.log_path = data_dir, rules, log_path
        self.proc: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        return [str(self.binary), "alerts", "--mqtt", self.mqtt_url, "--data", str(self.data_dir),
                "--rules", str(self.rules), "--log-level", "debug"]

    def start(self, timeout: float = 20.0) -> "AlertsDaemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        watcher = Collector(self.mqtt_port, ["ev/alerts/config/status"]).start()
        try:
            mark = watcher.mark()
            self.proc = procs.spawn(self.argv(), log_path=self.log_path, env=env)
            # The daemon publishes its config status (retained) once connected; a fresh `at` tells
            # it is this process, not a retained message of an earlier one.
            import time
            t0 = time.time()
            while True:
                msgs = [m for m in watcher.select("ev/alerts/config/status", since=mark) if not m.retain]
                if msgs:
                    break
                if self.proc.poll() is not None:
                    raise AssertionError(f"alerts daemon exited {self.proc.returncode}:\n{procs.tail(self.log_path, 40)}")
                if time.time() - t0 > timeout:
                    raise AssertionError(f"alerts daemon did not come up:\n{procs.tail(self.log_path, 40)}")
                time.sleep(0.05)
        finally:
            watcher.stop()
        return self

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        return procs.terminate(self.proc, timeout, sig)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


@pytest.fixture
def alerts_rules(tmp_path) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(FAST_RULES)
    return path


@pytest.fixture
def alerts_factory(chargebus_bin, mosquitto, data_dir, tmp_path, request, alerts_rules):
    from conftest import attach_log  # the suite's failure-report hook
    made: list[AlertsDaemon] = []

    def make(*, start: bool = True, rules: Path | None = None) -> AlertsDaemon:
        log = tmp_path / f"alerts-{len(made) + 1}.log"
        attach_log(request, f"alerts daemon #{len(made) + 1} stderr", log)
        d = AlertsDaemon(chargebus_bin, mqtt_url=mosquitto.url, mqtt_port=mosquitto.port, data_dir=data_dir,
                         rules=rules or alerts_rules, log_path=log)
        made.append(d)
        if start:
            d.start()
        return d

    yield make
    for d in made:
        procs.terminate(d.proc, timeout=10)


@pytest.fixture
def alerts_stack(cli, bridge_factory, alerts_factory, bus):
    """`start()` → a bridge and an alerts daemon on the same broker; `bus` records ev/#. Register
    chargers before: the bridge publishes their `info` (site, class) at startup."""
    def start():
        bridge = bridge_factory(heartbeat_interval=30)
        daemon = alerts_factory()
        return bridge, daemon
    return start


def events(bus: Collector, *, charger: str, rule: str | None = None, event: str | None = None, since: int = 0) -> list[dict]:
    out = []
    for m in bus.select("ev/alerts/events", since=since):
        p = m.json or {}
        a = p.get("alert", {})
        if a.get("charger") == charger and (rule is None or a.get("rule") == rule) and (event is None or p.get("event") == event):
            out.append(p)
    return out


async def wait_event(bus: Collector, *, charger: str, rule: str, event: str, timeout: float = 15.0, since: int = 0) -> dict:
    def match(p):
        a = p.get("alert", {})
        return p.get("event") == event and a.get("charger") == charger and a.get("rule") == rule
    m = await bus.wait_for_async("ev/alerts/events", match, timeout=timeout, since=since)
    return m.json


def sv(value, measurand, unit, **extra):
    return {"value": str(value), "measurand": measurand, "unit": unit, **extra}


async def booted(url: str, cp: str, password: str, bus: Collector, **kw) -> tuple[ConnectedCharger, object]:
    conn = ConnectedCharger(url, cp, password, **kw)
    c = await conn.__aenter__()
    await c.boot()
    await bus.wait_for_async(f"ev/chargers/{cp}/state", lambda p: p["online"] is True)
    return conn, c


__all__ = ["alerts_rules", "alerts_factory", "alerts_stack", "events", "wait_event", "sv", "booted", "AlertsDaemon",
           "FAST_RULES", "utcnow", "json"]
