#!/usr/bin/env python3
"""Benchmark of the notify daemon (issue 5, item 11).

    cd Tests/integration && ../../.venv/bin/python support/notify_bench.py --bin ../../.build/release/chargebus \
        [--alerts 1000] [--rate 20] [--burst 2000] [--runs 3] [--out FILE]

Per run: a fresh mosquitto (persistence off, queues raised), the SMTP peer (aiosmtpd, STARTTLS +
AUTH) and the SMS gateway (Twilio-compatible HTTP) from ``notify_peers.py``, each in a Python
process of its own, the release ``chargebus notify`` daemon with ``group_wait: 0s`` (the test
suite's config: a critical AC alert at depot-north goes to the on-call technician by email AND
SMS, so 2 notifications per alert), and a plain MQTT subscriber on ``ev/alerts/events``.

1. Latency: ``--alerts`` firing alerts, one charger each, at ``--rate`` per second, published the
   way the alerts daemon does (retained ``ev/alerts/active/...`` then the event on
   ``ev/alerts/events``, both QoS 1; the event's ``at`` is the publish time). Latency is (time the
   peer accepted the message) − (publish time), for email and SMS separately; the baseline is the
   same event's (time the plain subscriber received it) − (publish time), in the same run.
2. Throughput: ``--burst`` alerts published as fast as the publisher can. Notifications/s =
   delivered notifications / (last delivery − first publish). CPU of the daemon, mosquitto and the
   two peers over that window, from /proc.

Every notification is matched to its alert by the charger id (email subject, SMS body); the run
checks that each alert produced exactly one email and one SMS (no loss, no duplicate). Prints one
JSON document per run and the medians; ``--out`` also writes them to a file.

``--peer-max-rate N`` instead measures the peers alone: N emails (one connection each, STARTTLS +
AUTH, like the daemon's libcurl) and N SMS requests from 8 client threads, with nothing else running.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as mqtt  # noqa: E402

from support import procs  # noqa: E402
from support.mosquitto import mosquitto_binary  # noqa: E402
from support.notify_daemon import (HOOK_SECRET, SECRET_ENV, SMS_TOKEN, SMTP_PASSWORD, alert_event, make_alert,  # noqa: E402
                                   notify_yaml)

HZ = os.sysconf("SC_CLK_TCK")
CHARGER_RE = re.compile(r"NB-[LT]-\d{5}")


# -- /proc ------------------------------------------------------------------------------------

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


def summary(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"n": len(values), "p50": round(percentile(values, 50), 2), "p90": round(percentile(values, 90), 2),
            "p99": round(percentile(values, 99), 2), "max": round(max(values), 2), "mean": round(statistics.mean(values), 2)}


# -- the peers, each in a process of its own ----------------------------------------------------

def serve_peer(kind: str, cert: str, key: str) -> None:
    """Child mode: runs one peer, prints its port, then answers `dump` / `quit` on stdin."""
    from notify_peers import HTTPPeer, SMTPPeer

    if kind == "smtp":
        peer = SMTPPeer(cert, key, username="notify", password=SMTP_PASSWORD).start()
    else:
        peer = HTTPPeer(auth_token=SMS_TOKEN, webhook_secrets={"ops": HOOK_SECRET}).start()
    print(json.dumps({"port": peer.port, "base_url": getattr(peer, "base_url", None)}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "dump":
            if kind == "smtp":
                rows = [[m.subject or "", m.received_at, m.message_id, m.rcpt_tos] for m in peer.messages]
                extra = {"failed_logins": len(peer.failed_logins)}
            else:
                with peer._lock:
                    rows = [[m.body, m.received_at, m.idempotency_key, m.to] for m in peer.sms_messages]
                    extra = {"replays": peer.replays, "requests": peer.requests, "rejected": len(peer.rejected),
                             "webhooks": len(peer.webhook_deliveries)}
            print(json.dumps({"rows": rows, **extra}), flush=True)
        elif command == "count":
            n = len(peer.messages) if kind == "smtp" else len(peer.sms_messages)
            print(json.dumps({"count": n}), flush=True)
        elif command == "quit":
            break
    peer.stop()


class PeerProcess:
    def __init__(self, kind: str, cert: str, key: str, log: Path):
        self.kind = kind
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve-peer", kind, "--cert", cert,
                                      "--key", key], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(log, "ab"), text=True, bufsize=1)
        self._lock = threading.Lock()
        hello = self._readline(20)
        self.port = hello["port"]
        self.base_url = hello["base_url"]

    def _readline(self, timeout: float) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"{self.kind} peer did not answer")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.kind} peer exited ({self.proc.poll()})")
        return json.loads(line)

    def ask(self, command: str, timeout: float = 60) -> dict:
        with self._lock:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            return self._readline(timeout)

    def count(self) -> int:
        return self.ask("count")["count"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(5)


# -- one run ------------------------------------------------------------------------------------

class Bus:
    """The publisher (as the alerts daemon) and the plain subscriber on ev/alerts/events (the baseline)."""

    def __init__(self, port: int):
        self.raw_received: dict[str, float] = {}
        self.raw_dups = 0
        self.notify_events: dict[str, int] = {}
        self.status_live = threading.Event()
        self.lock = threading.Lock()
        self.sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="notify-bench-raw", protocol=mqtt.MQTTv5)
        self.sub.on_message = self._on_raw
        self.watch = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="notify-bench-events", protocol=mqtt.MQTTv5)
        self.watch.on_message = self._on_notification_event
        self.pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="notify-bench-pub", protocol=mqtt.MQTTv5)
        self.pub.max_inflight_messages_set(1000)
        self.pub.max_queued_messages_set(0)
        for client, topics in ((self.sub, ["ev/alerts/events"]), (self.watch, ["ev/notifications/events", "ev/notifications/status"]),
                               (self.pub, [])):
            client.connect("127.0.0.1", port)
            for topic in topics:
                client.subscribe(topic, qos=1)
            client.loop_start()
        time.sleep(0.5)

    def _on_raw(self, client, userdata, msg):
        now = time.time()
        try:
            charger = json.loads(msg.payload)["alert"]["charger"]
        except (ValueError, KeyError):
            return
        with self.lock:
            if charger in self.raw_received:
                self.raw_dups += 1
            else:
                self.raw_received[charger] = now

    def _on_notification_event(self, client, userdata, msg):
        if msg.topic == "ev/notifications/status":
            if not msg.retain:  # live: the daemon is connected and subscribed
                self.status_live.set()
            return
        try:
            event = json.loads(msg.payload).get("event", "?")
        except ValueError:
            return
        with self.lock:
            self.notify_events[event] = self.notify_events.get(event, 0) + 1

    def publish_firing(self, charger: str) -> float:
        """Like the alerts daemon: the retained active alert, then the event. Returns the publish time."""
        t0 = time.time()
        at = datetime.fromtimestamp(t0, timezone.utc)
        alert = make_alert(charger, rule="disconnected", severity="critical", site="depot-north", cls="AC", fired_at=at)
        self.pub.publish(f"ev/alerts/active/{charger}/disconnected", json.dumps(alert), qos=1, retain=True)
        self.pub.publish("ev/alerts/events", json.dumps(alert_event("firing", alert, at=at)), qos=1)
        return t0

    def stop(self) -> None:
        for client in (self.pub, self.sub, self.watch):
            client.disconnect()
            client.loop_stop()


def match(rows: list, published: dict[str, float]) -> tuple[dict[str, list[float]], int]:
    """charger → received times of its notifications; and the rows matching no published alert."""
    by_charger: dict[str, list[float]] = {}
    unmatched = 0
    for text, received_at, *_ in rows:
        m = CHARGER_RE.search(text)
        if not m or m.group(0) not in published:
            unmatched += 1
            continue
        by_charger.setdefault(m.group(0), []).append(received_at)
    return by_charger, unmatched


def check_exactly_once(by_charger: dict[str, list[float]], published: dict[str, float]) -> dict:
    missing = [c for c in published if c not in by_charger]
    dups = sum(len(v) - 1 for v in by_charger.values() if len(v) > 1)
    return {"missing": len(missing), "duplicates": dups}


def wait_delivered(smtp: PeerProcess, sms: PeerProcess, want: int, timeout: float) -> float:
    """Waits until both peers hold `want` messages; returns when that was seen."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if smtp.count() >= want and sms.count() >= want:
            return time.time()
        time.sleep(0.2)
    return time.time()


def one_run(args, index: int) -> dict:
    from notify_peers import make_test_certificate

    work = Path(tempfile.mkdtemp(prefix=f"notify-bench-{index}-"))
    cert, key = make_test_certificate(work / "cert")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
    env.update(SECRET_ENV)
    port = procs.free_port()
    (work / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 1000000\nmax_queued_bytes 0\nmax_inflight_messages 1000\n"
        + ("user root\n" if os.geteuid() == 0 else ""))
    started: list[subprocess.Popen] = []
    peers: list[PeerProcess] = []
    bus: Bus | None = None
    try:
        broker = procs.spawn([mosquitto_binary(), "-c", str(work / "mosquitto.conf")], log_path=work / "mosquitto.log")
        started.append(broker)
        procs.wait_port(port, 10, broker, what="mosquitto")
        smtp = PeerProcess("smtp", cert, key, work / "smtp-peer.log")
        peers.append(smtp)
        sms = PeerProcess("sms", cert, key, work / "sms-peer.log")
        peers.append(sms)
        (work / "notify.yaml").write_text(notify_yaml(smtp_port=smtp.port, http_base=sms.base_url, ca_file=cert, group_wait="0s"))
        bus = Bus(port)
        daemon = procs.spawn([args.bin, "notify", "--mqtt", f"mqtt://127.0.0.1:{port}", "--data", str(work / "data"),
                              "--notify-config", str(work / "notify.yaml"), "--log-level", args.log_level],
                             log_path=work / "notify.log", env=env)
        started.append(daemon)
        deadline = time.time() + 20
        while not bus.status_live.wait(0.1):
            if daemon.poll() is not None or time.time() > deadline:
                raise SystemExit(f"notify daemon did not start:\n{procs.tail(work / 'notify.log', 30)}")
        time.sleep(1)
        if daemon.poll() is not None:
            raise SystemExit(f"notify daemon exited:\n{procs.tail(work / 'notify.log', 30)}")
        rss_start = rss_kib(daemon.pid)

        # Phase 1: latency at a moderate rate.
        published: dict[str, float] = {}
        c0, w0 = cpu_seconds(daemon.pid), time.time()
        interval = 1.0 / args.rate
        start = time.time() + 0.1
        for i in range(args.alerts):
            due = start + i * interval
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            charger = f"NB-L-{i:05d}"
            published[charger] = bus.publish_firing(charger)
        wait_delivered(smtp, sms, args.alerts, 60)
        c1, w1 = cpu_seconds(daemon.pid), time.time()
        mails, texts = smtp.ask("dump"), sms.ask("dump")
        mail_by, mail_unmatched = match(mails["rows"], published)
        sms_by, sms_unmatched = match(texts["rows"], published)
        with bus.lock:
            raw = {c: t for c, t in bus.raw_received.items() if c in published}
        latency = {
            "email": summary([(ts[0] - published[c]) * 1000 for c, ts in mail_by.items()]),
            "sms": summary([(ts[0] - published[c]) * 1000 for c, ts in sms_by.items()]),
            "rawBroker": summary([(t - published[c]) * 1000 for c, t in raw.items()]),
        }
        phase1 = {
            "alerts": args.alerts, "ratePerS": args.rate, "latencyMs": latency,
            "email": {**check_exactly_once(mail_by, published), "unmatched": mail_unmatched},
            "sms": {**check_exactly_once(sms_by, published), "unmatched": sms_unmatched},
            "rawBrokerMissing": len(published) - len(raw),
            "daemonCPUPercent": round((c1 - c0) / (w1 - w0) * 100, 2),
            "daemonRSSKiB": rss_kib(daemon.pid),
        }

        # Phase 2: a burst, as fast as the publisher goes.
        burst: dict[str, float] = {}
        pids = {"daemon": daemon.pid, "mosquitto": broker.pid, "smtpPeer": smtp.proc.pid, "smsPeer": sms.proc.pid,
                "bench": os.getpid()}
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        t_first = time.time()
        for i in range(args.burst):
            charger = f"NB-T-{i:05d}"
            burst[charger] = bus.publish_firing(charger)
        t_published = time.time()
        wait_delivered(smtp, sms, args.alerts + args.burst, args.burst_timeout)
        cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        mails, texts = smtp.ask("dump"), sms.ask("dump")
        mail_by, _ = match(mails["rows"], burst)
        sms_by, _ = match(texts["rows"], burst)
        mail_times = [t for ts in mail_by.values() for t in ts]
        sms_times = [t for ts in sms_by.values() for t in ts]
        deliveries = mail_times + sms_times
        t_last = max(deliveries) if deliveries else time.time()
        window = t_last - t_first
        with bus.lock:
            raw_burst = [t for c, t in bus.raw_received.items() if c in burst]
            notify_events = dict(bus.notify_events)
            raw_dups = bus.raw_dups
        phase2 = {
            "alerts": args.burst, "publishSeconds": round(t_published - t_first, 3),
            "deliveredNotifications": len(deliveries), "expectedNotifications": 2 * args.burst,
            "notificationsPerS": round(len(deliveries) / window, 1) if window > 0 else None,
            "emailsPerS": round(len(mail_times) / (max(mail_times) - t_first), 1) if mail_times else None,
            "smsPerS": round(len(sms_times) / (max(sms_times) - t_first), 1) if sms_times else None,
            "firstPublishToLastDeliveryS": round(window, 2),
            "rawBrokerEventsPerS": round(len(raw_burst) / (max(raw_burst) - t_first), 1) if raw_burst else None,
            "email": check_exactly_once(mail_by, burst), "sms": check_exactly_once(sms_by, burst),
            "cpuPercentOverWindow": {name: round((cpu1[name] - cpu0[name]) / window * 100, 1) for name in pids} if window > 0 else None,
            "burstLatencyMs": {"email": summary([(ts[0] - burst[c]) * 1000 for c, ts in mail_by.items()]),
                               "sms": summary([(ts[0] - burst[c]) * 1000 for c, ts in sms_by.items()])},
            "daemonRSSAfterKiB": rss_kib(daemon.pid),
        }
        result = {
            "run": index, "phase1": phase1, "phase2": phase2, "daemonRSSStartKiB": rss_start,
            "notificationEvents": notify_events, "rawDuplicates": raw_dups,
            "smsGateway": {k: texts[k] for k in ("requests", "replays", "rejected", "webhooks")},
            "smtpFailedLogins": mails["failed_logins"], "daemonAlive": daemon.poll() is None, "logs": str(work),
        }
        return result
    finally:
        if bus is not None:
            bus.stop()
        for p in reversed(started):
            procs.terminate(p, 15)
        for peer in peers:
            peer.stop()


def median_of(runs: list[dict]) -> dict:
    def med(path: list[str]):
        values = []
        for r in runs:
            v = r
            for k in path:
                v = v.get(k) if isinstance(v, dict) else None
            if isinstance(v, (int, float)):
                values.append(v)
        return round(statistics.median(values), 2) if values else None

    out: dict = {}
    for channel in ("email", "sms", "rawBroker"):
        out[f"latency.{channel}"] = {p: med(["phase1", "latencyMs", channel, p]) for p in ("p50", "p90", "p99", "max")}
    out["phase1.daemonCPUPercent"] = med(["phase1", "daemonCPUPercent"])
    for key in ("notificationsPerS", "emailsPerS", "smsPerS", "rawBrokerEventsPerS", "firstPublishToLastDeliveryS", "publishSeconds"):
        out[f"phase2.{key}"] = med(["phase2", key])
    for name in ("daemon", "mosquitto", "smtpPeer", "smsPeer", "bench"):
        out[f"phase2.cpuPercent.{name}"] = med(["phase2", "cpuPercentOverWindow", name])
    out["daemonRSSStartKiB"] = med(["daemonRSSStartKiB"])
    out["daemonRSSAfterKiB"] = med(["phase2", "daemonRSSAfterKiB"])
    out["lostOrDuplicated"] = sum(r["phase1"][ch]["missing"] + r["phase1"][ch]["duplicates"] + r["phase2"][ch]["missing"]
                                  + r["phase2"][ch]["duplicates"] for r in runs for ch in ("email", "sms"))
    return out


# -- the peers alone ----------------------------------------------------------------------------

def peer_max_rate(args) -> dict:
    """N emails and N SMS straight to the peers from 8 threads, one connection per message (like the daemon)."""
    import smtplib
    import ssl
    import urllib.request
    import base64
    from concurrent.futures import ThreadPoolExecutor
    from notify_peers import make_test_certificate

    work = Path(tempfile.mkdtemp(prefix="notify-bench-peers-"))
    cert, key = make_test_certificate(work / "cert")
    smtp = PeerProcess("smtp", cert, key, work / "smtp-peer.log")
    sms = PeerProcess("sms", cert, key, work / "sms-peer.log")
    n = args.peer_max_rate
    try:
        context = ssl.create_default_context(cafile=cert)
        body = "Subject: [CRITICAL] NB-T-00000 disconnected\r\nFrom: alerts@chargebus.test\r\nTo: alice@example.com\r\n\r\n" + ("x" * 70 + "\r\n") * 20

        def one_mail(i: int) -> None:
            with smtplib.SMTP("127.0.0.1", smtp.port, timeout=30) as client:
                client.starttls(context=context)
                client.login("notify", SMTP_PASSWORD)
                client.sendmail("alerts@chargebus.test", ["alice@example.com"], body)

        auth = "Basic " + base64.b64encode(f"AC0123456789abcdef0123456789abcdef:{SMS_TOKEN}".encode()).decode()
        url = f"{sms.base_url}/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"

        def one_sms(i: int) -> None:
            data = f"To=%2B4915112345671&From=%2B4930123456789&Body=CRITICAL+NB-T-{i:05d}+disconnected".encode()
            request = urllib.request.Request(url, data=data, headers={"Authorization": auth, "Idempotency-Key": f"k{i}",
                                                                      "Content-Type": "application/x-www-form-urlencoded"})
            urllib.request.urlopen(request, timeout=30).read()

        out = {}
        for name, fn, peer in (("smtp", one_mail, smtp), ("sms", one_sms, sms)):
            c0, t0 = cpu_seconds(peer.proc.pid), time.time()
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(fn, range(n)))
            t1 = time.time()
            out[name] = {"messages": n, "perS": round(n / (t1 - t0), 1),
                         "peerCPUPercent": round((cpu_seconds(peer.proc.pid) - c0) / (t1 - t0) * 100, 1)}
        return out
    finally:
        smtp.stop()
        sms.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="../../.build/release/chargebus")
    ap.add_argument("--alerts", type=int, default=1000, help="latency phase: firing alerts (2 notifications each)")
    ap.add_argument("--rate", type=float, default=20, help="latency phase: alerts per second")
    ap.add_argument("--burst", type=int, default=2000, help="throughput phase: alerts published at once")
    ap.add_argument("--burst-timeout", type=float, default=120)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--log-level", default="warning")
    ap.add_argument("--out", default=None, help="also write the runs and medians (JSON) here")
    ap.add_argument("--peer-max-rate", type=int, default=0, metavar="N", help="measure the peers alone with N messages each")
    ap.add_argument("--serve-peer", choices=["smtp", "sms"], help=argparse.SUPPRESS)
    ap.add_argument("--cert", help=argparse.SUPPRESS)
    ap.add_argument("--key", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve_peer:
        serve_peer(args.serve_peer, args.cert, args.key)
        return
    if args.peer_max_rate:
        result = {"peerMaxRate": peer_max_rate(args)}
        print(json.dumps(result, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        return
    args.bin = str(Path(args.bin).resolve())
    runs = []
    for i in range(1, args.runs + 1):
        result = one_run(args, i)
        print(json.dumps(result, indent=2), flush=True)
        runs.append(result)
    medians = median_of(runs)
    print(json.dumps({"medians": medians}, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({"args": vars(args), "runs": runs, "medians": medians}, indent=2) + "\n")


if __name__ == "__main__":
    main()
