"""The notify daemon against real peers: a real mosquitto, the real `chargebus notify` binary, an
aiosmtpd server with STARTTLS and AUTH (certificate made by the test), and a local HTTP server as
the Twilio-compatible SMS gateway and the webhook receiver.

Alert events are published the way the alerts daemon publishes them (the alerts daemon has its own
suite; `test_notify_full_stack.py` runs the whole chain with a real OCPP charger)."""

from __future__ import annotations

import json
import re
import signal
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from notify_peers import HTTPPeer, SMTPPeer, make_test_certificate
from support.notify_daemon import (HOOK_SECRET, SECRET_ENV, SMS_TOKEN, SMTP_PASSWORD, NotifyDaemon, alert_event, make_alert,
                                   notification_events, notify_yaml, publish_alert, wait_until)

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXT = set("^{}\\[~]|€")


def septets(text: str) -> int:
    return sum(2 if ch in GSM7_EXT else 1 for ch in text)


@pytest.fixture
def certificate(tmp_path):
    return make_test_certificate(tmp_path / "cert")


@pytest.fixture
def smtp(certificate):
    cert, key = certificate
    peer = SMTPPeer(cert, key, username="notify", password=SMTP_PASSWORD).start()
    yield peer
    peer.stop()


@pytest.fixture
def gateway():
    peer = HTTPPeer(auth_token=SMS_TOKEN, webhook_secrets={"ops": HOOK_SECRET}).start()
    yield peer
    peer.stop()


@pytest.fixture
def notify_factory(chargebus_bin, mosquitto, data_dir, tmp_path, request, smtp, gateway, certificate):
    from conftest import attach_log
    made: list[NotifyDaemon] = []

    def make(*, start: bool = True, config_text: str | None = None, **config) -> NotifyDaemon:
        n = len(made) + 1
        path = tmp_path / "notify.yaml"
        if config_text is None:
            config_text = notify_yaml(smtp_port=smtp.port, http_base=gateway.base_url, ca_file=certificate[0], **config)
        if n == 1 or config:
            path.write_text(config_text)
        log = tmp_path / f"notify-{n}.log"
        attach_log(request, f"notify daemon #{n} stderr", log)
        daemon = NotifyDaemon(chargebus_bin, mqtt_url=mosquitto.url, mqtt_port=mosquitto.port, data_dir=data_dir, config=path,
                              log_path=log, env=SECRET_ENV)
        made.append(daemon)
        if start:
            daemon.start()
        return daemon

    yield make
    for daemon in made:
        if daemon.proc and daemon.proc.poll() is None:
            daemon.stop(timeout=10)


def mails_to(smtp: SMTPPeer, address: str):
    return [m for m in smtp.messages if address in m.rcpt_tos]


def sms_to(gateway: HTTPPeer, number: str):
    return [m for m in gateway.sms_messages if m.to == number]


def history(cli, *args) -> list[dict]:
    out = cli("notify", "history", "--json", *args).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# -- delivery and content --

def test_a_critical_alert_reaches_the_on_call_technician_by_email_and_sms(notify_factory, bus, smtp, gateway, cli):
    notify_factory()
    alert = make_alert("DEPOT-N-07", rule="faulted", severity="critical", site="depot-north", cls="DC",
                       summary="DEPOT-N-07 connector 1 is Faulted (GroundFailure)",
                       details={"status": "Faulted", "errorCode": "GroundFailure", "vendorId": "Alpitronic",
                                "vendorErrorCode": "E042",
                                "vendorCodes": [{"code": "E042", "known": True, "vendor": "Alpitronic HYC",
                                                 "text": "Insulation monitoring fault", "severity": "critical",
                                                 "action": "Check the DC cable for damage, then clear the fault"}]})
    publish_alert(bus, "firing", alert)

    mail = smtp.wait_for_messages(1, timeout=15)[0]
    sms = wait_until(lambda: sms_to(gateway, "+4915112345671"), what="the SMS to alice")[0]
    # SMTP: STARTTLS, authenticated, multipart text + HTML, Message-ID = the idempotency key.
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.tls and mail.auth_login == "notify"
    assert mail.message.get_content_type() == "multipart/alternative"
    for body in (mail.text, mail.html):
        for expected in ("DEPOT-N-07", "Depot North", "Industriestraße 5", "DC", "faulted", "E042",
                         "Insulation monitoring fault", "Check the DC cable", f"chargebus alerts ack {alert['id']}"):
            assert expected in body, f"{expected!r} missing from:\n{body}"
    assert "CRITICAL" in mail.subject.upper() and "DEPOT-N-07" in mail.subject
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d (CET|CEST|GMT\+1|GMT\+2)", mail.text), "times are in the site's zone"
    # SMS: critical → within 160 GSM-7 characters.
    assert "DEPOT-N-07" in sms.body
    assert all(ch in GSM7 or ch in GSM7_EXT for ch in sms.body)
    assert septets(sms.body) <= 160
    # The delivery lifecycle on the bus, with masked addresses, and the history.
    sent = wait_until(lambda: len(notification_events(bus, event="sent")) >= 3 and notification_events(bus, event="sent"),
                      what="three sent events (email, SMS, webhook)")
    by_channel = {e["channel"]: e for e in sent}
    assert set(by_channel) == {"email", "sms", "webhook"}
    assert mail.message_id == f"<{by_channel['email']['id']}@chargebus>"
    assert sms.idempotency_key == by_channel["sms"]["id"]
    assert by_channel["sms"]["address"] == "+49151*****671"
    assert by_channel["email"]["technician"] == "alice" and by_channel["email"]["alerts"] == [alert["id"]]
    queued = notification_events(bus, event="queued")
    assert {e["id"] for e in queued} == {e["id"] for e in sent}
    rows = history(cli, "--alert", alert["id"])
    assert sorted(r["channel"] for r in rows) == ["email", "sms", "webhook"]
    assert all(r["state"] == "sent" and r["attempts"] == 1 for r in rows)


def test_the_webhook_is_signed_json(notify_factory, bus, gateway):
    notify_factory()
    alert = make_alert("DEPOT-N-01", rule="disconnected", severity="critical", cls="DC")
    publish_alert(bus, "firing", alert)
    delivery = wait_until(lambda: gateway.webhook_deliveries, what="the webhook")[0]
    import hashlib
    import hmac
    assert delivery.signature == "sha256=" + hmac.new(HOOK_SECRET.encode(), delivery.raw, hashlib.sha256).hexdigest()
    assert delivery.body["kind"] == "firing"
    assert delivery.body["items"][0]["alert"]["id"] == alert["id"]
    assert delivery.idempotency_key


# -- routing --

def test_routing_per_site_alert_type_and_technician(notify_factory, bus, smtp, gateway, cli):
    notify_factory(north_members="[bob]")
    # Newark: the weekday or weekend on-call person of the site's own schedule, never Depot North's.
    now_newark = datetime.now(timezone.utc).astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    newark_person = ("dave", "dave@example.com") if now_newark.weekday() < 5 else ("erin", "erin@example.com")
    publish_alert(bus, "firing", make_alert("NWK-01", site="newark-yard", severity="major", cls="AC"))
    wait_until(lambda: mails_to(smtp, newark_person[1]), what=f"mail to {newark_person[0]}")
    # Depot North, major: bob is on call; he wants SMS only for critical alerts → email only.
    publish_alert(bus, "firing", make_alert("DEPOT-N-02", rule="disconnected", severity="major", cls="AC"))
    wait_until(lambda: mails_to(smtp, "bob@example.com"), what="mail to bob")
    # Depot North, minor: the north-minor route sends email only, whatever the technician allows.
    publish_alert(bus, "firing", make_alert("DEPOT-N-03", rule="weak-signal", severity="minor", cls="AC"))
    wait_until(lambda: len(mails_to(smtp, "bob@example.com")) >= 2, what="second mail to bob")
    # Depot North, critical: bob gets his SMS.
    publish_alert(bus, "firing", make_alert("DEPOT-N-04", rule="faulted", severity="critical", cls="AC"))
    wait_until(lambda: sms_to(gateway, "+4915112345672"), what="critical SMS to bob")
    time.sleep(1.0)  # anything else would have arrived by now (group_wait 0)
    assert len(sms_to(gateway, "+4915112345672")) == 1, "no SMS for the major and minor alerts"
    assert not mails_to(smtp, "alice@example.com"), "alice is not on call"
    assert not [m for m in smtp.messages if "dave@example.com" in m.rcpt_tos and newark_person[0] == "erin"]
    assert not gateway.webhook_deliveries, "no DC critical alert yet"
    # The dry run says the same, with reasons.
    out = cli("notify", "route", "--dry-run", "--notify-config", str(Path(smtp_config_path(cli))), "--charger", "DEPOT-N-04",
              "--rule", "faulted", "--site", "depot-north", "--severity", "major", data=False).stdout
    assert "Bob Brandt" in out and "sms" in out.lower()


def smtp_config_path(cli) -> Path:
    return cli.data_dir.parent / "notify.yaml"


def test_route_dry_run_explains_who_and_why(notify_factory, cli, tmp_path):
    notify_factory(start=False)
    alert = make_alert("DEPOT-N-07", rule="vendor-code", severity="critical", cls="DC")
    path = tmp_path / "alert.json"
    path.write_text(json.dumps(alert_event("firing", alert)))
    config = str(smtp_config_path(cli))
    at = "2026-11-24T10:00:00+01:00"  # a Tuesday, business hours in Berlin
    text = cli("notify", "route", "--dry-run", "--notify-config", config, "--at", at, str(path), data=False).stdout
    for expected in ("dc-critical-webhook", "north-vendor-codes", "Alice Adler", "Bob Brandt", "webhook"):
        assert expected in text, f"{expected!r} missing from:\n{text}"
    explanation = json.loads(cli("notify", "route", "--dry-run", "--json", "--notify-config", config, "--at", at, str(path),
                                 data=False).stdout)
    routes = [r["route"] for r in explanation["routes"]]
    assert routes == ["dc-critical-webhook", "north-vendor-codes"]
    chosen = {(c["name"], c["channel"]) for r in explanation["routes"] for s in r["steps"] for c in s["chosen"]}
    assert ("Alice Adler", "sms") in chosen and ("Bob Brandt", "email") in chosen and ("Bob Brandt", "sms") in chosen
    # Bad input: a usage message, not a crash.
    bad = cli("notify", "route", "--dry-run", "--notify-config", config, data=False, check=False)
    assert bad.returncode == 64 and "ALERT.json" in bad.stderr


def test_oncall_in_two_time_zones_and_across_dst(notify_factory, cli):
    notify_factory(start=False, north_members="[alice, bob]")
    config = str(smtp_config_path(cli))

    def oncall(site: str, at: str) -> dict:
        lines = cli("notify", "oncall", "--notify-config", config, "--site", site, "--at", at, "--json", data=False).stdout
        return json.loads(lines.splitlines()[0])

    # Berlin: weekly rotation handing over on Mondays 08:00 local; alice from 2026-11-02.
    assert oncall("depot-north", "2026-11-02T07:30:00Z")["technicians"] == ["alice"]  # 08:30 CET
    assert oncall("depot-north", "2026-11-09T06:59:00Z")["technicians"] == ["alice"]  # 07:59 CET
    assert oncall("depot-north", "2026-11-09T07:00:00Z")["technicians"] == ["bob"]    # 08:00 CET
    # Across the end of DST (2026-10-25): the handover of Monday 2026-10-26 is at 08:00 CET = 07:00Z,
    # the one of 2026-10-19 at 08:00 CEST = 06:00Z.
    assert oncall("depot-north", "2026-10-26T06:30:00Z")["technicians"] == ["alice"]  # 07:30 CET: still last week's
    assert oncall("depot-north", "2026-10-26T07:00:00Z")["technicians"] == ["bob"]
    assert oncall("depot-north", "2026-10-19T06:00:00Z")["technicians"] == ["alice"]  # 08:00 CEST
    # Newark: weekday/weekend windows in New York time. DST ended there on 2026-11-01 (EDT → EST).
    assert oncall("newark-yard", "2026-11-02T04:59:00Z")["technicians"] == ["erin"]   # Sun 23:59 EST
    assert oncall("newark-yard", "2026-11-02T05:00:00Z")["technicians"] == ["dave"]   # Mon 00:00 EST
    assert oncall("newark-yard", "2026-10-31T03:59:00Z")["technicians"] == ["dave"]   # Fri 23:59 EDT
    assert oncall("newark-yard", "2026-10-31T04:00:00Z")["technicians"] == ["erin"]   # Sat 00:00 EDT
    # The same instant, two sites, two answers in their own local times.
    both = cli("notify", "oncall", "--notify-config", config, "--at", "2026-11-07T12:00:00Z", data=False).stdout
    assert "Alice Adler" in both and "Erin Evans" in both and "CET" in both and "EST" in both


# -- grouping, escalation, acknowledgement, resolve --

def test_a_site_outage_is_one_message_per_technician_and_channel(notify_factory, bus, smtp, gateway):
    notify_factory(group_wait="2s")
    for n in range(12):
        publish_alert(bus, "firing", make_alert(f"DEPOT-N-{n:02d}", rule="disconnected", severity="critical", cls="AC"))
    mails = smtp.wait_for_messages(1, timeout=15)
    sms = wait_until(lambda: sms_to(gateway, "+4915112345671"), what="the grouped SMS")
    time.sleep(2.5)  # a second message, if any, would be out by now
    assert len(smtp.messages) == 1 and len(gateway.sms_messages) == 1
    mail = mails[0]
    assert "12" in mail.subject
    for n in range(12):
        assert f"DEPOT-N-{n:02d}" in mail.text
    assert septets(sms[0].body) <= 160 and "12" in sms[0].body


def test_escalation_until_acknowledged(notify_factory, bus, smtp):
    notify_factory(escalation_after="2s")
    ignored = make_alert("DEPOT-N-10", rule="faulted", severity="major", cls="AC")
    handled = make_alert("DEPOT-N-11", rule="faulted", severity="major", cls="AC")
    publish_alert(bus, "firing", ignored)
    publish_alert(bus, "firing", handled)
    wait_until(lambda: len(mails_to(smtp, "alice@example.com")) >= 2, what="both firing mails")
    acked = dict(handled, acknowledged=True, ackBy="alice")
    publish_alert(bus, "acknowledged", acked, by="alice")
    escalated = wait_until(lambda: mails_to(smtp, "mia@example.com"), timeout=10, what="the escalation to mia")
    time.sleep(1.0)
    escalated = mails_to(smtp, "mia@example.com")
    assert len(escalated) == 1
    assert "DEPOT-N-10" in escalated[0].text and "DEPOT-N-11" not in escalated[0].text
    # Alice finally takes DEPOT-N-10: the manager who was paged hears that it is handled; Alice,
    # who acknowledged, gets no notice of her own acknowledgement.
    publish_alert(bus, "acknowledged", dict(ignored, acknowledged=True, ackBy="alice", ackNote="on site in 20 min"), by="alice")
    notice = wait_until(lambda: len(mails_to(smtp, "mia@example.com")) == 2 and mails_to(smtp, "mia@example.com")[1],
                        what="the acknowledgement notice to mia")
    assert notice.subject.startswith("[ACK]") and "acknowledged by alice" in notice.subject
    assert "on site in 20 min" in notice.text
    time.sleep(1.0)
    assert not [m for m in mails_to(smtp, "alice@example.com") if m.subject.startswith("[ACK]")]


def test_resolve_is_told_to_those_who_heard_of_the_firing(notify_factory, bus, smtp, gateway):
    notify_factory()
    alert = make_alert("DEPOT-N-20", rule="disconnected", severity="critical", cls="AC")
    publish_alert(bus, "firing", alert)
    wait_until(lambda: len(smtp.messages) == 1 and len(gateway.sms_messages) == 1, what="firing mail and SMS")
    publish_alert(bus, "resolved", dict(alert, state="resolved"))
    wait_until(lambda: len(smtp.messages) == 2 and len(gateway.sms_messages) == 2, what="resolved mail and SMS")
    assert "resolved" in smtp.messages[1].subject.lower()


def test_silenced_alerts_are_not_notified(notify_factory, bus, smtp, gateway):
    notify_factory()
    publish_alert(bus, "firing", make_alert("DEPOT-N-30", severity="critical", cls="AC", silenced=True))
    publish_alert(bus, "firing", make_alert("DEPOT-N-31", severity="critical", cls="AC"))
    wait_until(lambda: smtp.messages, what="the unsilenced alert's mail")
    time.sleep(1.0)
    assert [m for m in smtp.messages if "DEPOT-N-30" in (m.text or "")] == []


# -- nothing lost, nothing duplicated --

def test_smtp_down_then_up_nothing_lost_nothing_duplicated(notify_factory, bus, smtp, gateway, cli):
    smtp.stop()
    notify_factory()
    alerts = [make_alert(f"DEPOT-N-4{n}", severity="critical", cls="AC") for n in range(3)]
    for alert in alerts:
        publish_alert(bus, "firing", alert)
    retrying = wait_until(lambda: [e for e in notification_events(bus, event="retrying") if e["channel"] == "email"],
                          what="email retries while SMTP is down")
    assert any("connect" in (e["reason"] or "").lower() for e in retrying), retrying
    wait_until(lambda: len(gateway.sms_messages) == 3, what="the SMS, unaffected")
    time.sleep(1.5)
    smtp.start()
    smtp.wait_for_messages(3, timeout=20)
    time.sleep(2.0)
    assert len(smtp.messages) == 3
    assert len({m.message_id for m in smtp.messages}) == 3
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["alice@example.com"] * 3
    rows = [r for r in history(cli, "--channel", "email") if r["state"] == "sent"]
    assert len(rows) == 3 and all(r["attempts"] >= 2 for r in rows)


def test_daemon_killed_mid_queue_resumes_without_loss_or_duplicates(notify_factory, bus, smtp, gateway, data_dir):
    gateway.delay_s = 0.4  # slow gateway: the kill lands with SMS requests in flight
    daemon = notify_factory()
    alerts = [make_alert(f"DEPOT-N-{50 + n}", severity="critical", cls="AC") for n in range(16)]
    for alert in alerts:
        publish_alert(bus, "firing", alert)
    wait_until(lambda: len(gateway.sms_messages) >= 3, what="the first SMS")
    daemon.kill()
    delivered_before = len(gateway.sms_messages)
    assert delivered_before < 16, "the kill must land mid-queue"
    # Events published while the daemon is down wait in its persistent session.
    late = make_alert("DEPOT-N-99", severity="critical", cls="AC")
    publish_alert(bus, "firing", late)
    gateway.delay_s = 0.0
    notify_factory()
    wait_until(lambda: len({m.idempotency_key for m in gateway.sms_messages}) == 17, timeout=30, what="all 17 SMS")
    smtp.wait_for_messages(17, timeout=30)
    time.sleep(2.0)
    keys = [m.idempotency_key for m in gateway.sms_messages]
    assert len(keys) == len(set(keys)) == 17, "the gateway recorded every SMS once"
    chargers = sorted(re.search(r"DEPOT-N-\d+", m.body).group(0) for m in gateway.sms_messages)
    assert chargers == sorted([a["charger"] for a in alerts] + ["DEPOT-N-99"])
    ids = [m.message_id for m in smtp.messages]
    assert len(set(ids)) == 17, "every email arrived"
    # SMTP has no idempotency: an email the server accepted in the last millisecond before the
    # kill, before the daemon recorded it, is sent again after the restart, with the same
    # Message-ID (mail clients show it once). Only such in-doubt sends may repeat.
    import sqlite3
    db = sqlite3.connect(str(data_dir / "notify.sqlite"))
    in_doubt = {f"<{key}@chargebus>" for (key,) in db.execute(
        "SELECT a.key FROM attempt a JOIN outbox o ON o.key = a.key WHERE a.result = 'in-doubt' AND o.channel = 'email'")}
    repeated = {i for i in ids if ids.count(i) > 1}
    assert repeated <= in_doubt, f"only in-doubt sends may repeat: {repeated - in_doubt}"
    assert all(ids.count(i) <= 2 for i in ids)


def test_a_graceful_stop_mid_queue_lets_sends_finish_and_nothing_repeats(notify_factory, bus, smtp, gateway, data_dir):
    gateway.delay_s = 0.4
    daemon = notify_factory()
    for n in range(12):
        publish_alert(bus, "firing", make_alert(f"DEPOT-N-{80 + n}", severity="critical", cls="AC"))
    wait_until(lambda: len(gateway.sms_messages) >= 2, what="the first SMS")
    assert daemon.stop(timeout=20) == 0
    gateway.delay_s = 0.0
    notify_factory()
    wait_until(lambda: len(gateway.sms_messages) == 12 and len(smtp.messages) == 12, timeout=30, what="all 12 SMS and emails")
    time.sleep(1.5)
    assert len(gateway.sms_messages) == 12 and gateway.replays == 0, "nothing was in doubt"
    ids = [m.message_id for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 12
    import sqlite3
    db = sqlite3.connect(str(data_dir / "notify.sqlite"))
    assert db.execute("SELECT COUNT(*) FROM attempt WHERE result = 'in-doubt'").fetchone()[0] == 0


# -- failures and bad input --

def test_permanent_failures_are_recorded_and_the_daemon_carries_on(notify_factory, bus, smtp, gateway, cli):
    smtp.reject_permanent.add("alice@example.com")
    gateway.invalid_numbers.add("+4915112345671")
    notify_factory()
    publish_alert(bus, "firing", make_alert("DEPOT-N-60", severity="critical", cls="AC"))
    failed = wait_until(lambda: len(notification_events(bus, event="failed")) >= 2 and notification_events(bus, event="failed"),
                        what="two failed events")
    reasons = {e["channel"]: e["reason"] for e in failed}
    assert "550" in reasons["email"]
    assert "400" in reasons["sms"] or "21211" in reasons["sms"]
    assert all(e["attempt"] == 1 for e in failed), "permanent failures are not retried"
    rows = history(cli, "--state", "failed")
    assert len(rows) == 2
    # Garbage on the bus: logged and counted, nothing breaks.
    bus.publish("ev/alerts/events", b"{not json")
    bus.publish("ev/alerts/active/X/faulted", b"[]", retain=True)
    smtp.reject_permanent.clear()
    publish_alert(bus, "firing", make_alert("DEPOT-N-61", rule="faulted", severity="critical", cls="AC"))
    wait_until(lambda: [m for m in smtp.messages if "DEPOT-N-61" in (m.text or "")], what="the next alert still notified")
    bus.publish("ev/alerts/active/X/faulted", b"", retain=True)


def test_a_bad_config_is_refused_at_startup_with_file_line_and_reason(notify_factory, smtp, gateway, certificate, tmp_path):
    good = notify_yaml(smtp_port=smtp.port, http_base=gateway.base_url, ca_file=certificate[0])
    bad = good.replace("receivers: [oncall:site, technician:bob]", "receivers: [oncall:site, technician:zoe]")
    daemon = notify_factory(start=False, config_text=bad)
    daemon.config.write_text(bad)
    import subprocess
    result = subprocess.run(daemon.argv(), capture_output=True, text=True, timeout=30, env={**SECRET_ENV, "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "technician:zoe" in text)
    assert f"{daemon.config}:{line}:" in result.stderr and "zoe" in result.stderr, result.stderr


def test_sighup_reloads_and_a_bad_reload_keeps_the_old_config(notify_factory, bus, smtp):
    daemon = notify_factory()
    status = wait_until(lambda: [m.json for m in bus.select("ev/notifications/status")], what="status")[-1]
    assert status["config"] == "ok"
    text = daemon.config.read_text()
    daemon.config.write_text(text.replace("members: [alice]", "members: [bob]"))
    mark = bus.mark()
    daemon.signal(signal.SIGHUP)
    reloaded = bus.wait_for("ev/notifications/status", lambda p: p["config"] == "ok", since=mark, timeout=10).json
    assert reloaded["digest"] != status["digest"]
    publish_alert(bus, "firing", make_alert("DEPOT-N-70", severity="major", cls="AC"))
    wait_until(lambda: mails_to(smtp, "bob@example.com"), what="bob, on call after the reload")
    daemon.config.write_text(text.replace("timezone: Europe/Berlin", "timezone: Mars/Olympus"))
    mark = bus.mark()
    bus.publish("ev/notifications/config/reload", b"")
    refused = bus.wait_for("ev/notifications/status", lambda p: p["config"] == "refused", since=mark, timeout=10).json
    assert "Mars/Olympus" in refused["error"] and re.search(r"notify\.yaml:\d+:", refused["error"])
    assert refused["digest"] == reloaded["digest"]
    publish_alert(bus, "firing", make_alert("DEPOT-N-71", severity="major", cls="AC"))
    wait_until(lambda: len(mails_to(smtp, "bob@example.com")) >= 2, what="the old config still routing")


def test_notify_test_sends_a_sample_through_each_channel(notify_factory, chargebus_bin, smtp, gateway):
    import os
    import subprocess
    daemon = notify_factory(start=False)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}, **SECRET_ENV}

    def run(*args):
        return subprocess.run([str(chargebus_bin), "notify", "test", "--notify-config", str(daemon.config), *args],
                              capture_output=True, text=True, timeout=60, env=env)

    sent = run("--channel", "email", "--to", "alice")
    assert sent.returncode == 0, sent.stderr
    assert "alice@example.com" in sent.stdout and "250" in sent.stdout
    mail = smtp.wait_for_messages(1)[0]
    assert "TEST-CHARGER" in mail.subject and mail.tls
    assert run("--channel", "sms", "--to", "+4915112345679").returncode == 0
    assert gateway.sms_messages[-1].to == "+4915112345679"
    assert run("--channel", "webhook", "--to", "ops").returncode == 0
    assert gateway.webhook_deliveries
    smtp.stop()
    down = run("--channel", "email", "--to", "bob")
    assert down.returncode != 0 and "temporary" in down.stderr
    bad = run("--channel", "sms", "--to", "0151-not-e164")
    assert bad.returncode != 0 and "permanent" in bad.stderr, bad.stderr
