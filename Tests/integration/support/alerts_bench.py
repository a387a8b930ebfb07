#!/usr/bin/env python3
"""Benchmark of the alert daemon (issue 4, item 10).

    /tmp/pyvenv/bin/python Tests/integration/support/alerts_bench.py --bin .build/release/chargebus \
        [--chargers 10000] [--faults 2000] [--fault-interval-ms 50] [--steady 30]

Starts a fresh mosquitto (persistence off, queues raised), a bridge in --auto-register mode, the alerts
daemon (rule `faulted` with no hold time, every other rule at its default) and `chargebus simulate` with
N chargers (no sessions). Once the fleet is connected it samples the daemon's CPU and RSS at steady
state, then the simulator faults one charger every --fault-interval-ms (the `fault` scenario: a
Faulted StatusNotification). For each firing event on ev/alerts/events the latency is
(time the event is received) − (alert.since), where `since` is the status's `at`: the time the bridge
received the StatusNotification. Same machine, same clock. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt

HZ = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port: int, timeout: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime + stime


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def parse_ts(text: str) -> float:
    import datetime as dt
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).timestamp()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/chargebus")
    ap.add_argument("--chargers", type=int, default=10000)
    ap.add_argument("--faults", type=int, default=2000)
    ap.add_argument("--fault-interval-ms", type=int, default=50)
    ap.add_argument("--steady", type=float, default=30, help="seconds of steady-state sampling before the faults")
    ap.add_argument("--ramp", type=int, default=500)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    procs: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
    mqtt_port, ws_port, metrics_port = free_port(), free_port(), free_port()
    (work / "mosquitto.conf").write_text(
        f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 1000000\nmax_queued_bytes 0\nmax_inflight_messages 1000\n")
    (work / "alerts.yaml").write_text(
        "alerts:\n  rules:\n    faulted: {for: 0s, keepFiringFor: 2m}\n")
    ramp_s = args.chargers / args.ramp
    fault_start = ramp_s + 20 + args.steady
    lines = ["scenarios:"]
    for i in range(args.faults):
        after_ms = int(fault_start * 1000) + i * args.fault_interval_ms
        lines.append(f"  - {{kind: fault, chargers: \"{i + 1}\", after: {after_ms}ms, recover: 1h}}")
    (work / "scenarios.yaml").write_text("\n".join(lines) + "\n")

    def spawn(name: str, argv: list[str]) -> subprocess.Popen:
        log = open(work / f"{name}.log", "wb")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
        procs.append(p)
        return p

    latencies: list[float] = []
    lock = threading.Lock()

    def on_message(client, userdata, msg):
        now = time.time()
        try:
            p = json.loads(msg.payload)
        except ValueError:
            return
        if p.get("event") == "firing" and p["alert"]["rule"] == "faulted":
            with lock:
                latencies.append((now - parse_ts(p["alert"]["since"])) * 1000)

    try:
        broker = spawn("mosquitto", ["mosquitto", "-c", str(work / "mosquitto.conf")])
        wait_port(mqtt_port, 10, broker, "mosquitto")
        bridge = spawn("bridge", [args.bin, "bridge", "--mqtt", f"mqtt://127.0.0.1:{mqtt_port}", "--listen",
                                  f"127.0.0.1:{ws_port}", "--data", str(work / "bridge-data"), "--auto-register",
                                  "--bridge-id", "bench", "--metrics", f"127.0.0.1:{metrics_port}",
                                  "--heartbeat-interval", "3600", "--log-level", "warning"])
        wait_port(ws_port, 30, bridge, "bridge")
        daemon = spawn("alerts", [args.bin, "alerts", "--mqtt", f"mqtt://127.0.0.1:{mqtt_port}", "--data",
                                  str(work / "alerts-data"), "--rules", str(work / "alerts.yaml"), "--log-level", "warning"])
        sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="alerts-bench", protocol=mqtt.MQTTv5)
        sub.on_message = on_message
        sub.connect("127.0.0.1", mqtt_port)
        sub.subscribe("ev/alerts/events", qos=1)
        sub.loop_start()
        time.sleep(2)
        rss_start = rss_kib(daemon.pid)
        t_sim = time.time()
        sim = spawn("simulate", [args.bin, "simulate", "--url", f"ws://127.0.0.1:{ws_port}/ocpp", "--chargers",
                                 str(args.chargers), "--no-sessions", "--ramp", str(args.ramp), "--heartbeat", "300",
                                 "--scenario-file", str(work / "scenarios.yaml"), "--log-level", "warning"])
        # Ramp plus 20 s for the bus to settle, then the steady-state window.
        time.sleep(ramp_s + 20)
        c0, w0 = cpu_seconds(daemon.pid), time.time()
        time.sleep(args.steady)
        c1, w1 = cpu_seconds(daemon.pid), time.time()
        steady_cpu = (c1 - c0) / (w1 - w0) * 100
        steady_rss = rss_kib(daemon.pid)
        # The fault storm.
        storm_s = args.faults * args.fault_interval_ms / 1000
        while time.time() < t_sim + fault_start:
            time.sleep(0.1)
        c2, w2 = cpu_seconds(daemon.pid), time.time()
        time.sleep(storm_s)
        c3, w3 = cpu_seconds(daemon.pid), time.time()
        deadline = time.time() + 30
        while time.time() < deadline:
            with lock:
                if len(latencies) >= args.faults:
                    break
            time.sleep(0.2)
        storm_cpu = (c3 - c2) / (w3 - w2) * 100
        with lock:
            lat = list(latencies)
        result = {
            "chargers": args.chargers, "faults": args.faults, "faultRatePerS": 1000 / args.fault_interval_ms,
            "firingEventsReceived": len(lat),
            "latencyMs": {"p50": percentile(lat, 50), "p90": percentile(lat, 90), "p99": percentile(lat, 99),
                          "max": max(lat), "mean": statistics.mean(lat)} if lat else None,
            "daemonSteadyCPUPercent": round(steady_cpu, 2), "daemonStormCPUPercent": round(storm_cpu, 2),
            "daemonRSSStartKiB": rss_start, "daemonRSSSteadyKiB": steady_rss, "daemonRSSAfterKiB": rss_kib(daemon.pid),
            "daemonAlive": daemon.poll() is None,
        }
        print(json.dumps(result, indent=2))
        sub.loop_stop()
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
        print(f"logs in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
