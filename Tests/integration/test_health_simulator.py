"""Health daemon with the Swift simulator (`chargebus simulate`) against the real bridge in
--auto-register mode and a real mosquitto: simulated chargers fault, disconnect, go silent
(half-open socket), report WeakSignal and charge; ev/fleet/health, ev/fleet/problems and
ev/sessions/{cp}/{n} follow."""

from __future__ import annotations

import signal
import time

from conftest import attach_log
from support import procs
from support.health_daemon import health_factory  # noqa: F401  (fixture)

N = 6
PREFIX = "HSIM"


def cp(i: int) -> str:
    return f"{PREFIX}{i:05d}"


def test_simulated_fleet_faults_disconnects_silence_weak_signal_and_sessions(
        chargebus_bin, cli, bridge_factory, health_factory, collector_factory, tmp_path, request):
    # The simulator's own sessions use random id tags the bridge does not know; a remote start
    # with a registered tag gives a session that the bridge accepts.
    cli.add_idtag("TAG-SIM")
    bridge = bridge_factory(auto_register=True, heartbeat_interval=2, offline_grace=30)
    bus = collector_factory(("ev/fleet/#", "ev/sites/#", "ev/sessions/#", "ev/chargers/+/health"))
    health_factory(interval=2, grace=1.5)
    log = tmp_path / "simulate.log"
    attach_log(request, "chargebus simulate", log)
    scenarios = [
        f"fault:1@8s,connector=1,code=F003,recover=5m",
        f"disconnect:2@8s,for=5m",
        f"silent:3@8s",
        f"weak-signal:4@8s,for=5m",
    ]
    argv = [str(chargebus_bin), "simulate", "--url", bridge.url(), "--chargers", str(N), "--id-prefix", PREFIX,
            "--heartbeat", "1", "--idle-minutes", "0.05", "--session-minutes", "0.3", "--meter-interval", "2"]
    for s in scenarios:
        argv += ["--scenario", s]
    sim = procs.spawn(argv, log_path=log)
    try:
        # Everyone online and healthy (Available or Charging) before the scenarios start.
        def healthy(p):
            return p["all"]["total"] == N and p["all"]["available"] + p["all"]["charging"] == N
        bus.wait_for("ev/fleet/health", healthy, timeout=30)
        # A live session with energy on a well-behaved charger, started remotely.
        caller = collector_factory((f"ev/calls/{cp(5)}/response",))
        caller.publish(f"ev/calls/{cp(5)}/request", {"id": "rs-1", "action": "RemoteStartTransaction",
                                                      "payload": {"connectorId": 1, "idTag": "TAG-SIM"}})
        answer = caller.wait_for(f"ev/calls/{cp(5)}/response", timeout=20).json
        assert answer["status"] == "ok" and answer["response"]["status"] == "Accepted", answer
        session = bus.wait_for(f"ev/sessions/{cp(5)}/1", lambda p: p["energyWh"] > 0 and p["durationS"] > 0, timeout=40)
        s = session.json
        assert s["chargerId"] == cp(5) and s["connector"] == 1 and s["idTag"] == "TAG-SIM" and "transactionId" in s, s

        # The scenarios: 1 Faulted, 2 disconnected and 3 silent (Offline), 4 WeakSignal.
        problems = bus.wait_for("ev/fleet/problems", lambda p: p["count"] == 4, timeout=40).json
        by_id = {p["chargerId"]: p for p in problems["problems"]}
        assert by_id[cp(1)]["bucket"] == "Faulted" and by_id[cp(1)]["vendorErrorCode"] == "F003", by_id
        assert by_id[cp(2)]["bucket"] == "Offline" and "disconnected" in by_id[cp(2)]["reason"], by_id
        assert by_id[cp(3)]["bucket"] == "Offline" and "silent" in by_id[cp(3)]["reason"], by_id
        assert by_id[cp(4)]["bucket"] == "WeakSignal" and by_id[cp(4)]["errorCode"] == "WeakSignal", by_id
        assert [p["bucket"] for p in problems["problems"]] == ["Offline", "Offline", "Faulted", "WeakSignal"], problems
        fleet = bus.wait_for("ev/fleet/health", lambda p: p["all"]["offline"] == 2 and p["all"]["faulted"] == 1
                             and p["all"]["weakSignal"] == 1, timeout=10).json
        assert fleet["all"]["total"] == N, fleet
        # Auto-registered chargers are AC (L2) at site `unassigned` (from ev/chargers/{cp}/info, synced every 15 s).
        bus.wait_for("ev/sites/unassigned/health", lambda p: p["L2"]["total"] == N and p["all"]["faulted"] == 1, timeout=30)

        # A session ends: its retained topic is cleared with an empty payload.
        deadline = time.monotonic() + 60
        while not any(m.payload == b"" and m.topic.startswith("ev/sessions/") for m in bus.select("ev/sessions/+/+")):
            assert time.monotonic() < deadline, "no session was cleared"
            assert sim.poll() is None, f"simulator exited with {sim.returncode}"
            time.sleep(0.2)
    finally:
        procs.terminate(sim, timeout=10, sig=signal.SIGINT)
