"""The real `chargebus health` daemon as a child process, and a fixture that makes them."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from . import procs
from .mqtt import Collector

HEALTH_CONFIG = """\
health:
  offlineGrace: {grace}
  defaultHeartbeatIntervalS: {interval}
  settleQuietMs: 200
  settleMaxMs: 5000
  publishIntervalMs: 50
  listPublishIntervalMs: 200
  lastSeenRefreshS: 1
  missedHeartbeatsThreshold: 3
  reconnectsThreshold: 3
"""


class HealthDaemon:
    def __init__(self, binary: Path, *, mqtt_url: str, mqtt_port: int, data_dir: Path, log_path: Path,
                 config_path: Path, log_level: str = "debug"):
        self.binary, self.mqtt_url, self.mqtt_port = binary, mqtt_url, mqtt_port
        self.data_dir, self.log_path, self.config_path = data_dir, log_path, config_path
        self.log_level = log_level
        self.proc = None

    def argv(self) -> list[str]:
        return [str(self.binary), "health", "--mqtt", self.mqtt_url, "--data", str(self.data_dir),
                "--config", str(self.config_path), "--log-level", self.log_level, "--metrics", "off"]

    def start(self, *, wait_fleet: bool = True, timeout: float = 20.0) -> "HealthDaemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        mark = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.proc = procs.spawn(self.argv(), log_path=self.log_path, env=env)
        if wait_fleet:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"health daemon exited with {self.proc.returncode}"
                text = self.log_path.read_text(errors="replace")[mark:]
                if "health rebuilt; publishing" in text:
                    return self
                time.sleep(0.05)
            raise AssertionError("the health daemon did not finish its rebuild")
        return self

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        return procs.terminate(self.proc, timeout, sig)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def health_factory(chargebus_bin, mosquitto, tmp_path, request):
    from conftest import attach_log

    made: list[HealthDaemon] = []

    def make(*, start: bool = True, grace: float = 1.5, interval: int = 2, data: Path | None = None,
             config_text: str | None = None) -> HealthDaemon:
        n = len(made) + 1
        log = tmp_path / f"health-{n}.log"
        attach_log(request, f"health daemon #{n} stderr", log)
        config = tmp_path / f"health-{n}.yaml"
        config.write_text(config_text or HEALTH_CONFIG.format(grace=grace, interval=interval))
        data_dir = data or (tmp_path / "health-data")
        data_dir.mkdir(parents=True, exist_ok=True)
        daemon = HealthDaemon(chargebus_bin, mqtt_url=mosquitto.url, mqtt_port=mosquitto.port, data_dir=data_dir,
                              log_path=log, config_path=config)
        made.append(daemon)
        if start:
            daemon.start()
        return daemon

    yield make
    for daemon in made:
        procs.terminate(daemon.proc, timeout=10)


def latest(collector: Collector, topic: str):
    """The last payload received on `topic` (None when nothing or an empty retained payload)."""
    msgs = collector.select(topic)
    return msgs[-1].json if msgs and msgs[-1].payload else None
