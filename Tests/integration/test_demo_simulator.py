"""Optional demo (CHARGEBUS_ITEST_DEMO=1): the Swift simulator (`chargebus simulate`) against the
real bridge with --auto-register; every simulated charger comes online and boots."""

from __future__ import annotations

import os
import signal
import time

import pytest

from conftest import attach_log
from support import procs

pytestmark = [
    pytest.mark.demo,
    pytest.mark.skipif(os.environ.get("CHARGEBUS_ITEST_DEMO") != "1", reason="opt-in: set CHARGEBUS_ITEST_DEMO=1"),
]

N = 5


def test_simulated_fleet_comes_online(chargebus_bin, bridge_factory, bus, tmp_path, request):
    bridge = bridge_factory(auto_register=True, heartbeat_interval=10)
    log = tmp_path / "simulate.log"
    attach_log(request, "chargebus simulate", log)
    sim = procs.spawn([str(chargebus_bin), "simulate", "--url", bridge.url(), "--chargers", str(N)], log_path=log)
    try:
        def online_ids():
            return {m.topic.split("/")[2] for m in bus.select("ev/chargers/+/state") if (m.json or {}).get("online")}
        deadline = time.monotonic() + 60
        while len(online_ids()) < N and time.monotonic() < deadline:
            assert sim.poll() is None, f"simulator exited with {sim.returncode}"
            time.sleep(0.2)
        ids = online_ids()
        assert len(ids) >= N, f"only {len(ids)} of {N} simulated chargers came online: {sorted(ids)}"
        for cp in ids:
            bus.wait_for(f"ev/chargers/{cp}/boot", lambda p: p["registration"] == "Accepted", timeout=30)
    finally:
        procs.terminate(sim, timeout=10, sig=signal.SIGINT)
