"""Benchmark of the health daemon with N chargers (issue 3, item 10).

The load is the bridge's side of the bus: for every charger the retained `info`, `state`,
`boot` and connector `status` topics, then a steady stream of heartbeats (every charger, every
`--heartbeat` seconds), and one status change at a time on a random charger. The bench measures
the time from publishing a change to (a) the charger's `ev/chargers/{cp}/health` showing it and
(b) `ev/fleet/health` counting it; the daemon's CPU and RSS at steady state (from /proc); and the
time the daemon takes to rebuild after a restart (start → first `ev/fleet/health`).

    python -m support.health_bench --chargebus .build/release/chargebus --chargers 10000

It starts its own mosquitto (on a free port) and health daemon, and stops them at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import paho.mqtt.client as mqtt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import procs  # noqa: E402
from support.mosquitto import Mosquitto  # noqa: E402


def iso(t: float | None = None) -> str:
    return datetime.fromtimestamp(t or time.time(), timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


class Watcher:
    def __init__(self, port: int):
        self.lock = threading.Condition()
        self.health: dict[str, dict] = {}
        self.health_at: dict[str, float] = {}
        self.fleet: dict | None = None
        self.fleet_at = 0.0
        self.fleet_msgs = 0
        self.first_fleet_after: float | None = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-watch-{os.getpid()}", protocol=mqtt.MQTTv5)
        self.client.on_message = self.on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("ev/chargers/+/health", 1), ("ev/fleet/health", 1)])
        self.client.loop_start()

    def on_message(self, client, userdata, msg):
        now = time.monotonic()
        if not msg.payload:
            return
        data = json.loads(msg.payload)
        with self.lock:
            if msg.topic == "ev/fleet/health":
                self.fleet, self.fleet_at = data, now
                self.fleet_msgs += 1
            else:
                cp = msg.topic.split("/")[2]
                self.health[cp] = data
                self.health_at[cp] = now
            self.lock.notify_all()

    def wait(self, predicate, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.lock.wait(remaining)
            return time.monotonic()


def publisher(port: int, name: str) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c


def proc_sample(pid: int):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    rss_kb = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return ticks / os.sysconf("SC_CLK_TCK"), rss_kb / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chargebus", required=True)
    ap.add_argument("--chargers", type=int, default=10_000)
    ap.add_argument("--heartbeat", type=float, default=60.0, help="heartbeat interval of every charger, s")
    ap.add_argument("--changes", type=int, default=300, help="status changes to time")
    ap.add_argument("--change-gap", type=float, default=0.05, help="pause between two changes, s")
    ap.add_argument("--steady", type=float, default=30.0, help="seconds of steady state for CPU/RSS")
    ap.add_argument("--restarts", type=int, default=3)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="health-bench-"))
    broker = Mosquitto(work / "mosquitto")
    broker.start()
    ids = [f"BENCH-{i:05d}" for i in range(args.chargers)]
    sites = [f"site-{i % 50:02d}" for i in range(args.chargers)]
    pub = publisher(broker.port, "bench-bridge")
    print(f"seeding {args.chargers} chargers…", flush=True)
    t0 = time.time()
    pub.publish("ev/bridges/bench", json.dumps({"online": True, "bridge": "bench", "at": iso(t0 - 60)}), qos=1, retain=True)
    for i, cp in enumerate(ids):
        klass = "L3" if i % 4 == 0 else "L2"
        pub.publish(f"ev/chargers/{cp}/info", json.dumps({"at": iso(), "site": sites[i], "class": klass, "connectors": 2,
                                                          "maxPowerW": 22000, "lenient": False, "autoRegistered": False}), qos=1, retain=True)
        pub.publish(f"ev/chargers/{cp}/state", json.dumps({"online": True, "at": iso(), "bridge": "bench", "protocol": "ocpp1.6",
                                                           "remote": "10.0.0.1:1"}), qos=1, retain=True)
        pub.publish(f"ev/chargers/{cp}/boot", json.dumps({"at": iso(), "vendor": "Bench", "model": "B", "registration": "Accepted",
                                                          "intervalS": int(args.heartbeat)}), qos=1, retain=True)
        for n in (0, 1, 2):
            pub.publish(f"ev/chargers/{cp}/connectors/{n}/status", json.dumps({"at": iso(), "status": "Available", "errorCode": "NoError"}),
                        qos=1, retain=True)
        if i % 1000 == 999:
            time.sleep(0.2)
    time.sleep(2)

    data = work / "data"
    config = work / "health.yaml"
    config.write_text(f"health:\n  defaultHeartbeatIntervalS: {int(args.heartbeat)}\n")
    log = work / "health.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
    argv = [args.chargebus, "health", "--mqtt", f"mqtt://127.0.0.1:{broker.port}", "--data", str(data), "--config", str(config),
            "--metrics", "off", "--log-level", "info"]

    watcher = Watcher(broker.port)
    stop_beats = threading.Event()

    def beats():
        # Every charger beats every `--heartbeat` seconds, spread evenly.
        gap = args.heartbeat / len(ids)
        i = 0
        next_at = time.monotonic()
        while not stop_beats.is_set():
            pub.publish(f"ev/chargers/{ids[i % len(ids)]}/heartbeat", json.dumps({"at": iso()}), qos=0)
            i += 1
            next_at += gap
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    results = {"chargers": args.chargers, "heartbeat_s": args.heartbeat}
    # -- first start (cold: empty SQLite) --
    start = time.monotonic()
    proc = procs.spawn(argv, log_path=log, env=env)
    got = watcher.wait(lambda: watcher.fleet is not None and watcher.fleet["all"]["total"] == args.chargers, timeout=120)
    assert got, f"no complete ev/fleet/health within 120 s: {watcher.fleet}"
    results["cold_start_s"] = round(got - start, 3)
    print(f"cold start → complete fleet health: {got - start:.2f} s", flush=True)
    threading.Thread(target=beats, daemon=True).start()
    time.sleep(3)

    # -- latency of status changes --
    faulted: set[str] = set()
    charger_lat, fleet_lat = [], []
    rng = random.Random(42)
    for k in range(args.changes):
        cp = rng.choice(ids)
        make_fault = cp not in faulted
        expected_bucket = "Faulted" if make_fault else "Available"
        (faulted.add if make_fault else faulted.discard)(cp)
        expected_faulted = len(faulted)
        sent = time.monotonic()
        pub.publish(f"ev/chargers/{cp}/connectors/1/status",
                    json.dumps({"at": iso(), "status": "Faulted" if make_fault else "Available",
                                "errorCode": "GroundFailure" if make_fault else "NoError"}), qos=1, retain=True)
        c = watcher.wait(lambda: watcher.health_at.get(cp, 0) >= sent and watcher.health[cp]["bucket"] == expected_bucket, 10)
        f = watcher.wait(lambda: watcher.fleet_at >= sent and watcher.fleet["all"]["faulted"] == expected_faulted, 10)
        if c is None or f is None:
            print(f"change {k}: timeout (charger {c}, fleet {f})", flush=True)
            continue
        charger_lat.append((c - sent) * 1000)
        fleet_lat.append((f - sent) * 1000)
        time.sleep(rng.uniform(0, 2 * args.change_gap))  # random arrivals: not in phase with the publisher
    results["changes"] = len(charger_lat)
    results["charger_health_ms"] = {"p50": round(pct(charger_lat, 50), 1), "p99": round(pct(charger_lat, 99), 1), "max": round(max(charger_lat), 1)}
    results["fleet_health_ms"] = {"p50": round(pct(fleet_lat, 50), 1), "p99": round(pct(fleet_lat, 99), 1), "max": round(max(fleet_lat), 1)}
    print("latency", results["charger_health_ms"], results["fleet_health_ms"], flush=True)

    # -- steady state: heartbeats only --
    cpu0, _ = proc_sample(proc.pid)
    w0 = time.monotonic()
    rss = []
    while time.monotonic() - w0 < args.steady:
        time.sleep(1)
        rss.append(proc_sample(proc.pid)[1])
    cpu1, _ = proc_sample(proc.pid)
    results["steady_cpu_pct"] = round((cpu1 - cpu0) / (time.monotonic() - w0) * 100, 1)
    results["steady_rss_mb"] = round(statistics.median(rss), 1)
    results["heartbeats_per_s"] = round(args.chargers / args.heartbeat, 1)
    print(f"steady: CPU {results['steady_cpu_pct']} % of one core, RSS {results['steady_rss_mb']} MB", flush=True)

    # -- restarts: SIGTERM, start again, time to the first ev/fleet/health --
    rebuilds = []
    for _ in range(args.restarts):
        procs.terminate(proc, timeout=30)
        with watcher.lock:
            before = watcher.fleet_msgs
        start = time.monotonic()
        proc = procs.spawn(argv, log_path=log, env=env)
        got = watcher.wait(lambda: watcher.fleet_msgs > before, timeout=120)
        assert got, "no ev/fleet/health after restart"
        rebuilds.append(got - start)
        print(f"restart → first fleet health: {got - start:.2f} s", flush=True)
        time.sleep(3)
    results["rebuild_s"] = {"runs": [round(r, 2) for r in rebuilds], "median": round(statistics.median(rebuilds), 2)}
    stop_beats.set()
    procs.terminate(proc, timeout=30)
    broker.stop()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
