"""The real `chargebus notify` daemon for the notification tests, and helpers to publish alert events
the way the alerts daemon does. Import with `from support.notify_daemon import *  # noqa`."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import procs
from .mqtt import Collector


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def alert_id(charger: str, connector: int, rule: str) -> str:
    """The alerts daemon's stable id: FNV-1a 64 over charger, connector and rule."""
    h = 0xcbf29ce484222325
    for b in f"{charger}\0{connector}\0{rule}".encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def make_alert(charger: str, *, rule: str = "disconnected", severity: str = "critical", site: str | None = "depot-north",
               cls: str | None = "DC", state: str = "firing", incident: int = 1, connector: int = 0,
               fired_at: datetime | None = None, summary: str | None = None, acknowledged: bool = False,
               silenced: bool = False, details: dict | None = None, groups: list[str] | None = None) -> dict:
    fired = fired_at or datetime.now(timezone.utc)
    payload = {
        "id": alert_id(charger, connector, rule), "incident": incident, "rule": rule, "kind": rule,
        "severity": severity, "state": state, "charger": charger, "connector": connector,
        "since": iso(fired - timedelta(minutes=10)), "firedAt": iso(fired), "at": iso(datetime.now(timezone.utc)),
        "summary": summary or f"{charger} {rule}", "details": details or {}, "acknowledged": acknowledged,
        "silenced": silenced,
    }
    if site is not None:
        payload["site"] = site
    if cls is not None:
        payload["class"] = cls
    if groups is not None:
        payload["groups"] = groups
    if state == "resolved":
        payload["resolvedAt"] = iso(datetime.now(timezone.utc))
    return payload


def alert_event(event: str, alert: dict, *, by: str | None = None, at: datetime | None = None) -> dict:
    out = {"at": iso(at or datetime.now(timezone.utc)), "event": event, "alert": alert}
    if by:
        out["by"] = by
    return out


class NotifyDaemon:
    def __init__(self, binary: Path, *, mqtt_url: str, mqtt_port: int, data_dir: Path, config: Path, log_path: Path,
                 env: dict | None = None):
        self.binary, self.mqtt_url, self.mqtt_port = binary, mqtt_url, mqtt_port
        self.data_dir, self.config, self.log_path = data_dir, config, log_path
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        return [str(self.binary), "notify", "--mqtt", self.mqtt_url, "--data", str(self.data_dir),
                "--notify-config", str(self.config), "--log-level", "debug"]

    def start(self, timeout: float = 20.0) -> "NotifyDaemon":
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}
        env.update(self.extra_env)
        watcher = Collector(self.mqtt_port, ["ev/notifications/status"]).start()
        try:
            mark = watcher.mark()
            self.proc = procs.spawn(self.argv(), log_path=self.log_path, env=env)
            t0 = time.time()
            # The daemon publishes its status (retained) once connected; a live (not retained)
            # message tells it is this process.
            while not [m for m in watcher.select("ev/notifications/status", since=mark) if not m.retain]:
                if self.proc.poll() is not None:
                    raise AssertionError(f"notify daemon exited {self.proc.returncode}:\n{procs.tail(self.log_path, 40)}")
                if time.time() - t0 > timeout:
                    raise AssertionError(f"notify daemon did not come up:\n{procs.tail(self.log_path, 40)}")
                time.sleep(0.05)
        finally:
            watcher.stop()
        return self

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> int | None:
        return procs.terminate(self.proc, timeout, sig)

    def kill(self) -> None:
        """SIGKILL: no goodbye, no flush: what a crash or an OOM kill looks like."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


def publish_alert(bus: Collector, event: str, alert: dict, **kw) -> dict:
    """Publishes like the alerts daemon: the event, and the retained active topic while firing."""
    payload = alert_event(event, alert, **kw)
    topic = f"ev/alerts/active/{alert['charger']}/{alert['rule']}" + (f"/{alert['connector']}" if alert["connector"] else "")
    if alert["state"] == "firing":
        bus.publish(topic, alert, retain=True)
    else:
        bus.publish(topic, b"", retain=True)
    bus.publish("ev/alerts/events", payload)
    return payload


def notification_events(bus: Collector, *, event: str | None = None, since: int = 0, **match) -> list[dict]:
    out = []
    for m in bus.select("ev/notifications/events", since=since):
        p = m.json or {}
        if event is not None and p.get("event") != event:
            continue
        if all(p.get(k) == v for k, v in match.items()):
            out.append(p)
    return out


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    t0 = time.time()
    while True:
        value = predicate()
        if value:
            return value
        if time.time() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


__all__ = ["iso", "alert_id", "make_alert", "alert_event", "NotifyDaemon", "publish_alert", "notification_events",
           "wait_until", "json", "hashlib"]


# -- the notify config the tests run with --

SMTP_PASSWORD = "s3cret-Pa55"
SMS_TOKEN = "sms-token-0123"
HOOK_SECRET = "hook-secret-0123"
SECRET_ENV = {"ITEST_SMTP_PASSWORD": SMTP_PASSWORD, "ITEST_SMS_TOKEN": SMS_TOKEN, "ITEST_HOOK_SECRET": HOOK_SECRET}


def notify_yaml(*, smtp_port: int, http_base: str, ca_file: str, group_wait: str = "0s", repeat_interval: str = "never",
                escalation_after: str | None = None, north_members: str = "[alice]", extra_routes: str = "",
                retry: str = "{initial_backoff: 0.3s, max_backoff: 1s, deadline: 2m}", smtp_security: str = "starttls",
                smtp_auth: str = "auto") -> str:
    """Two sites in two time zones, four people, one on-call schedule per site, and routes per site,
    severity and rule. `oncall:site` finds the site's schedule."""
    escalation = f"""
    escalation:
      - after: {escalation_after}
        receivers: [technician:mia]
        channels: [email]""" if escalation_after else "\n    escalation: []"
    return f"""
notify:
  sites:
    depot-north:
      name: Depot North
      address: "Industriestraße 5, 13407 Berlin"
      timezone: Europe/Berlin
    newark-yard:
      name: Newark Yard
      address: "200 Port St, Newark, NJ 07114"
      timezone: America/New_York
  technicians:
    alice:
      name: Alice Adler
      email: alice@example.com
      phone: "+4915112345671"
      sites: [depot-north]
      groups: [north-techs]
    bob:
      name: Bob Brandt
      email: bob@example.com
      phone: "+4915112345672"
      sites: [depot-north]
      groups: [north-techs]
      preferences: {{sms: critical-only}}
    dave:
      name: Dave Diaz
      email: dave@example.com
      phone: "+12015550101"
      sites: [newark-yard]
    erin:
      name: Erin Evans
      email: erin@example.com
      phone: "+12015550102"
      sites: [newark-yard]
    mia:
      name: Mia Meyer
      email: mia@example.com
      phone: "+4915112345679"
      sites: [depot-north, newark-yard]
      role: manager
      preferences: {{channels: [email]}}
  schedules:
    north:
      site: depot-north
      rotation: {{members: {north_members}, start: "2026-11-02T08:00", period: 1w}}
    newark:
      site: newark-yard
      rotations:
        weekday: {{members: [dave], start: "2026-11-02T07:00", period: 1w}}
        weekend: {{members: [erin], start: "2026-11-07T07:00", period: 1w}}
      windows:
        - {{name: weekdays, days: mon-fri, rotation: weekday}}
        - {{name: weekend, days: sat-sun, rotation: weekend}}
  routes:
    name: root
    receivers: [oncall:site]
    channels: [email, sms]
    group_wait: {group_wait}
    repeat_interval: {repeat_interval}
    send_resolved: true{escalation}
    routes:
      - name: dc-critical-webhook
        match: {{class: [DC], severity_at_least: critical}}
        receivers: [webhook:ops]
        escalation: []
        continue: true
      - name: north-minor
        match: {{site: [depot-north], severity: [minor, info]}}
        channels: [email]
        escalation: []
      - name: north-vendor-codes
        match: {{site: [depot-north], rule: [vendor-code]}}
        receivers: [oncall:site, technician:bob]
{extra_routes}
      # Everything else: the site's on-call person (a matched `continue` route above would
      # otherwise stop the root from being the default).
      - name: site-on-call
        receivers: [oncall:site]
  channels:
    smtp:
      host: 127.0.0.1
      port: {smtp_port}
      security: {smtp_security}
      username: notify
      password_env: ITEST_SMTP_PASSWORD
      auth: {smtp_auth}
      from: "ChargeBus Alerts <alerts@chargebus.test>"
      ca_file: {ca_file}
      timeout: 10s
    sms:
      base_url: {http_base}
      account_sid: AC0123456789abcdef0123456789abcdef
      auth_token_env: ITEST_SMS_TOKEN
      from: "+4930123456789"
      timeout: 10s
    webhooks:
      ops:
        url: {http_base}/hooks/ops
        secret_env: ITEST_HOOK_SECRET
  retry: {retry}
  templates:
    ack:
      command: "chargebus alerts ack {{{{id}}}}"
      url: "https://ops.chargebus.test/alerts/{{{{id}}}}"
"""


__all__ += ["SMTP_PASSWORD", "SMS_TOKEN", "HOOK_SECRET", "SECRET_ENV", "notify_yaml"]
