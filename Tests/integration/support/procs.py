"""Child processes of the suite: every one is registered so that teardown (and, as a last
resort, interpreter exit) can kill it. Nothing here kills by name: only the pids we started."""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

_LOCK = threading.Lock()
_LIVE: list[subprocess.Popen] = []


def spawn(args: list[str], *, log_path: Path, env: dict | None = None, cwd: Path | None = None,
          stdout_path: Path | None = None) -> subprocess.Popen:
    """Starts a child with stderr (and stdout unless `stdout_path` is given) appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    err = open(log_path, "ab", buffering=0)
    err.write(f"==== {time.strftime('%H:%M:%S')} $ {' '.join(map(str, args))}\n".encode())
    out = open(stdout_path, "ab", buffering=0) if stdout_path else err
    try:
        proc = subprocess.Popen([str(a) for a in args], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, cwd=cwd)
    finally:
        err.close()
        if out is not err:
            out.close()
    with _LOCK:
        _LIVE.append(proc)
    return proc


def terminate(proc: subprocess.Popen | None, timeout: float = 10.0, sig: int = signal.SIGTERM) -> int | None:
    """Sends `sig`, waits up to `timeout`, then SIGKILLs. Returns the exit code (negative: signal)."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGCONT)  # a stopped child would never act on SIGTERM
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    with _LOCK:
        if proc in _LIVE:
            _LIVE.remove(proc)
    return proc.returncode


def kill_all() -> None:
    with _LOCK:
        procs = list(_LIVE)
    for proc in procs:
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            proc.kill()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
    with _LOCK:
        _LIVE.clear()


atexit.register(kill_all)


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1 (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "process",
              host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before listening on {host}:{port}")
        if port_open(port, host):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on {host}:{port} within {timeout}s")


def wait_port_closed(port: int, timeout: float, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not port_open(port, host):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} still accepts connections after {timeout}s")


def tail(path: Path, max_lines: int = 300) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"(no file {path})"
    if len(lines) > max_lines:
        return f"... ({len(lines) - max_lines} earlier lines in {path})\n" + "\n".join(lines[-max_lines:])
    return "\n".join(lines)
