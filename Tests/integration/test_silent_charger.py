"""5. A charger that goes silent (process frozen with SIGSTOP: no frames, no pongs, TCP still up)
is closed by the bridge and published offline with reason `timeout` within
heartbeat-interval × offline-grace (+ slack), and not before."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from conftest import attach_log
from support import procs

HEARTBEAT = 2.0
GRACE = 1.5
SLACK = 3.0
TOOL = Path(__file__).parent / "tools" / "heartbeating_charger.py"


def wait_line(path: Path, prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            for line in path.read_text().splitlines():
                if line.startswith(prefix):
                    return line
        time.sleep(0.05)
    raise AssertionError(f"charger never printed {prefix!r}: {path.read_text() if path.exists() else ''}")


def test_silent_charger_goes_offline_with_timeout(cli, bridge_factory, bus, charger_password, tmp_path, request):
    cp_id = "CP-SILENT"
    cli.add_charger(cp_id, charger_password)
    bridge = bridge_factory(heartbeat_interval=HEARTBEAT, offline_grace=GRACE)
    out, err = tmp_path / "charger.out", tmp_path / "charger.err"
    attach_log(request, "charger subprocess stderr", err)
    attach_log(request, "charger subprocess stdout", out)
    child = procs.spawn([sys.executable, str(TOOL), "--url", bridge.url(), "--id", cp_id, "--password",
                         charger_password, "--every", "1.0"], log_path=err, stdout_path=out)
    try:
        booted = wait_line(out, "BOOTED", 15)
        assert booted.startswith("BOOTED Accepted interval=2"), booted
        topic = f"ev/chargers/{cp_id}/state"
        bus.wait_for(topic, lambda p: p["online"] is True, timeout=10)

        # A live charger stays online well past interval × grace.
        time.sleep(HEARTBEAT * GRACE + 1.5)
        assert not bus.select(topic, lambda p: p["online"] is False), \
            f"went offline while heartbeating every 1 s: {bus.select(topic)}"
        assert child.poll() is None, "charger subprocess died"

        os.kill(child.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        limit = HEARTBEAT * GRACE + SLACK
        off = bus.wait_for(topic, lambda p: p["online"] is False, timeout=limit + 5)
        elapsed = off.received_at - frozen_at
        assert off.json["reason"] == "timeout", off
        assert elapsed <= limit, f"offline after {elapsed:.1f}s; expected within {HEARTBEAT}×{GRACE}+{SLACK}s"
        assert elapsed >= 1.0, f"offline only {elapsed:.1f}s after the last frame: too eager"
        assert off.json["bridge"] == bridge.bridge_id
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
        procs.terminate(child, timeout=3, sig=signal.SIGKILL)
