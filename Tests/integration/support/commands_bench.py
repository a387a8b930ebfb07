"""Benchmark of the commands daemon (issue 6, item 10).

    cd Tests/integration && /tmp/pyvenv/bin/python -m support.commands_bench [--n 500] [--burst 2000] [--chargers 8]

A real mosquitto, the real bridge and `chargebus commands` (the binary found like the test suite
does, or CHARGEBUS_BIN), and raw WebSocket chargers that answer every CALL at once and measure
their own processing time (CALL received → CALLRESULT sent). Reports:

  * command round trip: request published → result received by the requester, sequential, minus
    the charger's own processing time; p50/p90/p99/max
  * the same path without the daemon (ev/calls request → response), to show what the daemon adds
  * sustained commands/s: a burst of clear-cache commands spread over the chargers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support import procs  # noqa: E402
from support.bridge import CLI, Bridge, chargebus_binary  # noqa: E402
from support.commands_support import CommandsDaemon  # noqa: E402
from support.mosquitto import Mosquitto  # noqa: E402
from support.ocpp_peer import open_ws  # noqa: E402


class Requester:
    def __init__(self, port: int):
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{uuid.uuid4().hex[:6]}", protocol=mqtt.MQTTv5)
        self.arrivals: dict[str, float] = {}
        self.cond = threading.Condition()
        self.client.on_message = self.on_message
        self.client.connect("127.0.0.1", port)
        # Nagle + the broker's delayed ACK would hold each request ~40 ms behind the previous PUBACK.
        import socket
        self.client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client.loop_start()
        time.sleep(0.3)
        self.client.subscribe("ev/chargers/+/commands/+/result", qos=1)
        self.client.subscribe("ev/calls/+/response", qos=1)
        time.sleep(0.3)

    def on_message(self, client, userdata, msg):
        now = time.perf_counter()
        try:
            rid = json.loads(msg.payload)["id"]
        except Exception:
            return
        with self.cond:
            self.arrivals[rid] = now
            self.cond.notify_all()

    def wait(self, rid: str, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while rid not in self.arrivals:
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(rid)
            return self.arrivals[rid]

    def publish(self, topic: str, body: dict) -> float:
        t = time.perf_counter()
        self.client.publish(topic, json.dumps(body), qos=1)
        return t


async def fast_charger(url: str, cp: str, password: str, processing: list, ready: asyncio.Event):
    ws = await open_ws(url, cp, password)
    await ws.send(json.dumps([2, "b1", "BootNotification", {"chargePointVendor": "Bench", "chargePointModel": "Fast"}]))
    for c in (0, 1, 2):
        await ws.send(json.dumps([2, f"s{c}", "StatusNotification", {"connectorId": c, "errorCode": "NoError", "status": "Available"}]))
    ready.set()
    async for text in ws:
        t_in = time.perf_counter()
        frame = json.loads(text)
        if frame[0] == 2:
            await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
            processing.append(time.perf_counter() - t_in)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name: str, values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    return (f"{name}: n={len(ms)} p50={pct(ms, 50):.2f} ms p90={pct(ms, 90):.2f} ms p99={pct(ms, 99):.2f} ms "
            f"max={max(ms):.2f} ms mean={statistics.mean(ms):.2f} ms")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500, help="sequential commands for the latency")
    ap.add_argument("--burst", type=int, default=2000, help="commands in the throughput burst")
    ap.add_argument("--chargers", type=int, default=8)
    args = ap.parse_args()
    binary = Path(os.environ.get("CHARGEBUS_BIN") or chargebus_binary())
    work = Path(tempfile.mkdtemp(prefix="cmdbench-"))
    # As the shipped mosquitto.conf: without it Nagle adds up to 40 ms per hop on loopback.
    broker = Mosquitto(work / "mosquitto", extra_conf="set_tcp_nodelay true").start()
    cli = CLI(binary, work / "data", work / "cli.log")
    password = "bench-password-0001"
    cps = [f"BENCH-{i}" for i in range(args.chargers)]
    for cp in cps:
        cli.add_charger(cp, password, site="north")
    bridge = Bridge(binary, mqtt_url=broker.url, mqtt_port=broker.port, data_dir=work / "data", log_path=work / "bridge.log",
                    bridge_id="bench", call_timeout=10, log_level="warning").start()
    daemon = CommandsDaemon(binary, mqtt_url=broker.url, data_dir=work / "data", log_path=work / "commands.log",
                            config_path=work / "commands.yaml", call_timeout=10, rate=100_000)
    daemon.start()
    processing: dict[str, list[float]] = {cp: [] for cp in cps}
    tasks = []
    for cp in cps:
        ready = asyncio.Event()
        tasks.append(asyncio.create_task(fast_charger(bridge.url(cp), cp, password, processing[cp], ready)))
        await ready.wait()
    await asyncio.sleep(1.5)
    req = Requester(broker.port)
    try:
        # Warm-up.
        for i in range(20):
            rid = f"warm-{i}"
            req.publish(f"ev/chargers/{cps[0]}/commands/clear-cache/by/ada", {"id": rid})
            await asyncio.to_thread(req.wait, rid)

        # 1. Sequential command round trips on one charger.
        cp = cps[0]
        rtts, net = [], []
        for i in range(args.n):
            before = len(processing[cp])
            rid = f"lat-{i}-{uuid.uuid4().hex[:6]}"
            t0 = req.publish(f"ev/chargers/{cp}/commands/clear-cache/by/ada", {"id": rid})
            t1 = await asyncio.to_thread(req.wait, rid)
            charger_time = sum(processing[cp][before:])
            rtts.append(t1 - t0)
            net.append(t1 - t0 - charger_time)

        # 2. The same path without the daemon: ev/calls request → response.
        direct = []
        for i in range(args.n):
            rid = f"call-{i}-{uuid.uuid4().hex[:6]}"
            before = len(processing[cp])
            t0 = req.publish(f"ev/calls/{cp}/request", {"id": rid, "action": "ClearCache", "payload": {}})
            t1 = await asyncio.to_thread(req.wait, rid)
            direct.append(t1 - t0 - sum(processing[cp][before:]))

        # 3. Sustained throughput: a burst spread over every charger.
        ids = [f"burst-{i}-{uuid.uuid4().hex[:6]}" for i in range(args.burst)]
        t_start = time.perf_counter()
        for i, rid in enumerate(ids):
            req.publish(f"ev/chargers/{cps[i % len(cps)]}/commands/clear-cache/by/ada", {"id": rid})
        t_published = time.perf_counter()
        last = max([await asyncio.to_thread(req.wait, rid, 120) for rid in ids])
        rate = args.burst / (last - t_start)

        print(f"chargebus: {binary}")
        print(summary("command round trip (request published → result received)", rtts))
        print(summary("  minus the charger's own processing", net))
        print(summary("direct call without the daemon (ev/calls request → response), minus charger", direct))
        print(f"daemon's share, median: {1000 * (statistics.median(net) - statistics.median(direct)):.2f} ms")
        print(f"sustained: {args.burst} commands over {len(cps)} chargers in {last - t_start:.2f} s = {rate:.0f} commands/s "
              f"(published in {t_published - t_start:.2f} s)")
    finally:
        for t in tasks:
            t.cancel()
        daemon.stop()
        procs.terminate(bridge.proc)
        broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
