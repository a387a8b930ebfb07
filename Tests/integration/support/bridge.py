"""The real `chargebus` binary: the bridge process and the admin CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from . import procs
from .mqtt import Collector

REPO_ROOT = Path(__file__).resolve().parents[3]


def chargebus_binary() -> Path | None:
    env = os.environ.get("CHARGEBUS_BIN")
    if env:
        return Path(env)
    for candidate in (REPO_ROOT / ".build" / "debug" / "chargebus", REPO_ROOT / ".build" / "release" / "chargebus"):
        if candidate.exists():
            return candidate
    return None


class CLI:
    """`chargebus <args> --data DIR`; returns the CompletedProcess."""

    def __init__(self, binary: Path, data_dir: Path, log_path: Path):
        self.binary, self.data_dir, self.log_path = binary, data_dir, log_path
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def run(self, *args: str, check: bool = True, data: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        argv = [str(self.binary), *map(str, args)]
        if data:
            argv += ["--data", str(self.data_dir)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        with open(self.log_path, "a") as log:
            log.write(f"$ {' '.join(argv)}\n-> exit {result.returncode}\n")
            if result.stdout:
                log.write("stdout: " + result.stdout + ("\n" if not result.stdout.endswith("\n") else ""))
            if result.stderr:
                log.write("stderr: " + result.stderr + ("\n" if not result.stderr.endswith("\n") else ""))
        if check and result.returncode != 0:
            raise AssertionError(f"`{' '.join(argv)}` exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def __call__(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run(*args, **kw)

    def add_charger(self, cp: str, password: str, *, site: str = "SITE-1", klass: str = "L2", connectors: int = 2,
                    max_power_kw: float = 22, lenient: bool = False) -> None:
        args = ["chargers", "add", cp, "--site", site, "--class", klass, "--connectors", str(connectors),
                "--max-power-kw", f"{max_power_kw:g}", "--password", password]
        if lenient:
            args.append("--lenient")
        self.run(*args)

    def add_idtag(self, tag: str, status: str = "Accepted", expiry: str | None = None) -> None:
        args = ["idtags", "add", tag, "--status", status]
        if expiry:
            args += ["--expiry", expiry]
        self.run(*args)


class Bridge:
    def __init__(self, binary: Path, *, mqtt_url: str, mqtt_port: int, data_dir: Path, log_path: Path,
                 bridge_id: str, ws_port: int | None = None, heartbeat_interval: float | None = None,
                 offline_grace: float | None = None, call_timeout: float | None = None,
                 auto_register: bool = False, log_level: str = "debug", extra_args: tuple[str, ...] = ()):
        self.binary = binary
        self.mqtt_url, self.mqtt_port = mqtt_url, mqtt_port
        self.data_dir, self.log_path = data_dir, log_path
        self.bridge_id = bridge_id
        self.ws_port = ws_port or procs.free_port()
        self.metrics_port = procs.free_port()  # the default 127.0.0.1:9180 would collide between bridges
        self.heartbeat_interval = heartbeat_interval
        self.offline_grace = offline_grace
        self.call_timeout = call_timeout
        self.auto_register = auto_register
        self.log_level = log_level
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def argv(self) -> list[str]:
        argv = [str(self.binary), "bridge", "--mqtt", self.mqtt_url, "--listen", f"127.0.0.1:{self.ws_port}",
                "--data", str(self.data_dir), "--bridge-id", self.bridge_id, "--log-level", self.log_level,
                "--metrics", f"127.0.0.1:{self.metrics_port}"]
        if self.heartbeat_interval is not None:
            argv += ["--heartbeat-interval", f"{self.heartbeat_interval:g}"]
        if self.offline_grace is not None:
            argv += ["--offline-grace", f"{self.offline_grace:g}"]
        if self.call_timeout is not None:
            argv += ["--call-timeout", f"{self.call_timeout:g}"]
        if self.auto_register:
            argv.append("--auto-register")
        return argv + list(self.extra_args)

    def url(self, cp: str = "") -> str:
        return f"ws://127.0.0.1:{self.ws_port}/ocpp/{cp}" if cp else f"ws://127.0.0.1:{self.ws_port}/ocpp"

    @property
    def state_topic(self) -> str:
        return f"ev/bridges/{self.bridge_id}"

    def start(self, *, wait_online: bool = True, timeout: float = 30.0) -> "Bridge":
        assert self.proc is None or self.proc.poll() is not None, "bridge already running"
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        watcher = None
        if wait_online:
            watcher = Collector(self.mqtt_port, [self.state_topic]).start()
        try:
            started = time.monotonic()
            self.proc = procs.spawn(self.argv(), log_path=self.log_path, env=env)
            procs.wait_port(self.ws_port, timeout, self.proc, what="chargebus bridge")
            if watcher is not None:
                try:
                    watcher.wait_for(self.state_topic, lambda p: p["online"] is True and p["bridge"] == self.bridge_id,
                                     timeout=max(1.0, timeout - (time.monotonic() - started)))
                except AssertionError as e:
                    raise AssertionError(f"the bridge did not publish {self.state_topic} online:true\n{e}") from None
        finally:
            if watcher is not None:
                watcher.stop()
        return self

    def stop(self, timeout: float = 20.0, sig: int = signal.SIGTERM) -> int | None:
        return procs.terminate(self.proc, timeout, sig)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None
