"""The shipped broker security: mosquitto/acl with a password file made by scripts/mosquitto-users,
and the shipped mosquitto.conf itself. Needs only mosquitto, not the bridge."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from support import procs
from support.bridge import REPO_ROOT
from support.mosquitto import Mosquitto
from support.mqtt import Collector

NOT_AUTHORIZED = 0x87


def make_users(directory: Path) -> dict[str, str]:
    subprocess.run([str(REPO_ROOT / "scripts" / "mosquitto-users"), "--dir", str(directory)], check=True,
                   capture_output=True, text=True)
    creds = {}
    for line in (directory / "credentials").read_text().splitlines():
        user, _, password = line.partition(":")
        creds[user] = password
    return creds


class Clients:
    def __init__(self, port: int, creds: dict[str, str]):
        self.port, self.creds = port, creds
        self.made: list[Collector] = []

    def __call__(self, user: str, topics=(), **kw) -> Collector:
        c = Collector(self.port, topics, username=user, password=self.creds[user], protocol=5, **kw).start()
        self.made.append(c)
        return c

    def close(self):
        for c in self.made:
            try:
                c.stop()
            except Exception:
                pass


@pytest.fixture
def secured(tmp_path, request):
    from conftest import attach_log
    creds = make_users(tmp_path / "users")
    broker = Mosquitto(tmp_path / "broker", allow_anonymous=False, password_file=tmp_path / "users" / "passwd",
                       acl_file=REPO_ROOT / "mosquitto" / "acl")
    attach_log(request, "mosquitto log", broker.log_path)
    broker.start()
    clients = Clients(broker.port, creds)
    yield broker, clients
    clients.close()
    broker.stop()


def token() -> str:
    return uuid.uuid4().hex[:12]


def assert_denied(publisher: Collector, topic: str, observer: Collector, allowed: Collector | None):
    """`publisher` gets PUBACK 0x87 for `topic` and `observer` never sees its message: `allowed`
    publishes a sentinel to the same topic afterwards, and once the sentinel has arrived the
    denied message would have arrived before it (mosquitto processes publishes in order).
    Without a client allowed to write the topic, we wait a second instead."""
    denied_payload, sentinel = f"denied-{token()}", f"sentinel-{token()}"
    since = observer.mark()
    rc = publisher.publish(topic, denied_payload)
    assert rc is not None and rc.value == NOT_AUTHORIZED, \
        f"{publisher.client._username!r} publishing {topic}: expected 0x87 Not authorized, got {rc}"
    if allowed is None:
        time.sleep(1.0)
        received = observer.select(topic, since=since)
    else:
        rc = allowed.publish(topic, sentinel)
        assert rc.value < 0x80, f"sentinel publish to {topic} refused: {rc}"
        received = _wait_payload(observer, topic, sentinel, since)
    assert denied_payload not in [m.text for m in received], f"{topic}: the denied message was delivered"


def _wait_payload(observer: Collector, topic: str, payload: str, since: int, timeout: float = 5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        msgs = observer.select(topic, since=since)
        if any(m.text == payload for m in msgs):
            return msgs
        time.sleep(0.02)
    raise AssertionError(f"{observer.client._username} did not receive {payload} on {topic}: {observer.select(None, since=since)}")


def assert_allowed(publisher: Collector, topic: str, observer: Collector):
    payload = f"ok-{token()}"
    since = observer.mark()
    rc = publisher.publish(topic, payload)
    assert rc is not None and rc.value < 0x80, f"{publisher.client._username} publishing {topic}: refused {rc}"
    _wait_payload(observer, topic, payload, since)


def test_anonymous_and_wrong_password_are_refused(secured):
    broker, clients = secured
    with pytest.raises(ConnectionError):
        Collector(broker.port, ()).start()
    with pytest.raises(ConnectionError):
        Collector(broker.port, (), username="field-app", password="not-the-password").start()


def test_field_app_cannot_publish(secured):
    _, clients = secured
    app = clients("field-app")
    health = clients("chargebus-health", ["ev/chargers/#", "ev/bridges/#"])
    bridge = clients("chargebus-bridge", ["ev/calls/+/request"])
    commands = clients("chargebus-commands", ["ev/calls/+/response/#", "ev/chargers/+/commands/#"])
    tech = clients("tech-alice")
    assert_denied(app, "ev/chargers/CP1/state", health, bridge)
    assert_denied(app, "ev/chargers/CP1/connectors/1/status", health, bridge)
    assert_denied(app, "ev/bridges/b1", health, bridge)
    assert_denied(app, "ev/calls/CP1/request", bridge, commands)
    assert_denied(app, "ev/calls/CP1/response", commands, bridge)
    # The identity pattern grants every user ev/chargers/+/commands/+/by/<own name>; field-app's block denies it.
    assert_denied(app, "ev/chargers/CP1/commands/reboot/by/field-app", commands, None)
    assert_denied(app, "ev/chargers/CP1/commands/reboot/by/tech-alice", commands, tech)


def test_field_app_reads_ev_except_calls(secured):
    _, clients = secured
    app = clients("field-app", ["ev/#"])
    bridge = clients("chargebus-bridge")
    commands = clients("chargebus-commands")
    since = app.mark()
    assert commands.publish("ev/calls/CP1/request", '{"id":"r1"}').value < 0x80
    assert bridge.publish("ev/calls/CP1/response", '{"id":"r1"}').value < 0x80
    assert bridge.publish("ev/chargers/CP1/state", '{"online":true}').value < 0x80
    app.wait_for("ev/chargers/CP1/state", timeout=5, since=since)
    topics = [m.topic for m in app.select(None, since=since)]
    assert not [t for t in topics if t.startswith("ev/calls/")], topics


def test_technician_commands_are_bound_to_the_username(secured):
    _, clients = secured
    alice = clients("tech-alice")
    bob = clients("tech-bob")
    commands = clients("chargebus-commands", ["ev/chargers/+/commands/#"])
    assert_allowed(alice, "ev/chargers/CP1/commands/reboot/by/tech-alice", commands)
    assert_allowed(bob, "ev/chargers/CP1/commands/reboot/by/tech-bob", commands)
    # Alice cannot speak for Bob, nor publish a result as if she were the commands daemon.
    assert_denied(alice, "ev/chargers/CP1/commands/reboot/by/tech-bob", commands, bob)
    health = clients("chargebus-health", ["ev/chargers/#"])
    assert_denied(alice, "ev/chargers/CP1/commands/reboot/result", health, commands)


def test_technician_cannot_touch_call_topics(secured):
    _, clients = secured
    alice = clients("tech-alice", ["ev/#"])
    bridge = clients("chargebus-bridge", ["ev/calls/+/request"])
    commands = clients("chargebus-commands", ["ev/calls/+/response/#"])
    health = clients("chargebus-health", ["ev/chargers/#"])
    assert_denied(alice, "ev/calls/CP1/request", bridge, commands)
    assert_denied(alice, "ev/calls/CP1/response", commands, bridge)
    assert_denied(alice, "ev/chargers/CP1/state", health, bridge)
    # and does not read them either
    since = alice.mark()
    commands.publish("ev/calls/CP1/request", "x")
    bridge.publish("ev/chargers/CP1/state", "y")
    alice.wait_for("ev/chargers/CP1/state", timeout=5, since=since)
    assert not alice.select("ev/calls/#", since=since)


def test_bridge_can_publish_and_take_requests(secured):
    _, clients = secured
    bridge = clients("chargebus-bridge", ["ev/calls/+/request"])
    commands = clients("chargebus-commands", ["ev/calls/+/response/#"])
    health = clients("chargebus-health", ["ev/chargers/#", "ev/bridges/#"])
    app = clients("field-app", ["ev/#"])
    assert_allowed(bridge, "ev/chargers/CP1/state", health)
    assert_allowed(bridge, "ev/chargers/CP1/connectors/1/meter", app)
    assert_allowed(bridge, "ev/bridges/bridge-1", health)
    assert_allowed(bridge, "ev/calls/CP1/response", commands)
    assert_allowed(bridge, "ev/calls/CP1/response/chargebus-commands-42", commands)  # an MQTT 5 response topic
    assert_allowed(commands, "ev/calls/CP1/request", bridge)
    # The bridge does not forge technicians' commands nor call requests.
    tech = clients("tech-alice")
    cmd_reader = clients("chargebus-commands", ["ev/chargers/+/commands/#"])
    assert_denied(bridge, "ev/chargers/CP1/commands/reboot/by/tech-alice", cmd_reader, tech)
    bridge2 = clients("chargebus-bridge", ["ev/calls/+/request"])
    assert_denied(bridge, "ev/calls/CP1/request", bridge2, commands)


@pytest.mark.parametrize("daemon", ["chargebus-health", "chargebus-alerts", "chargebus-notify"])
def test_other_daemons_cannot_touch_calls(secured, daemon):
    _, clients = secured
    d = clients(daemon)
    bridge = clients("chargebus-bridge", ["ev/calls/+/request"])
    commands = clients("chargebus-commands", ["ev/calls/+/response/#"])
    assert_denied(d, "ev/calls/CP1/request", bridge, commands)
    assert_denied(d, "ev/calls/CP1/response", commands, bridge)


def test_notify_daemon_grants(secured):
    """The notify daemon reads alerts and boots, publishes only under ev/notifications/; an
    operator may ask it to reload; technicians and field apps only read its events."""
    _, clients = secured
    notify = clients("chargebus-notify", ["ev/alerts/#", "ev/chargers/+/boot", "ev/notifications/#"])
    alerts = clients("chargebus-alerts", ["ev/alerts/#"])
    app = clients("field-app", ["ev/notifications/#"])
    ops = clients("ops-dana")
    tech = clients("tech-alice")
    assert_allowed(alerts, "ev/alerts/events", notify)
    assert_allowed(notify, "ev/notifications/events", app)
    assert_allowed(ops, "ev/notifications/config/reload", notify)
    assert_denied(notify, "ev/alerts/events", alerts, alerts)
    assert_denied(notify, "ev/chargers/CP1/state", notify, None)
    assert_denied(tech, "ev/notifications/events", app, notify)
    assert_denied(app, "ev/notifications/config/reload", notify, ops)


def test_shipped_mosquitto_conf_starts_and_serves_websockets(tmp_path, request):
    """The repo's mosquitto.conf, with only its listener ports moved to free ones, starts from a
    directory laid out like the repo, refuses anonymous clients and serves MQTT over WebSockets."""
    from conftest import attach_log
    root = tmp_path / "repo"
    (root / "mosquitto").mkdir(parents=True)
    (root / "mosquitto" / "acl").write_text((REPO_ROOT / "mosquitto" / "acl").read_text())
    creds = make_users(root / "data" / "mosquitto")
    tcp, ws = procs.free_port(), procs.free_port()
    text = (REPO_ROOT / "mosquitto.conf").read_text()
    assert re.search(r"^listener 1883$", text, re.M) and re.search(r"^listener 9001$", text, re.M)
    assert re.search(r"^allow_anonymous false$", text, re.M)
    assert not re.search(r"^user ", text, re.M), "scripts/run adds the user line; a second one is a config error"
    text = re.sub(r"^listener 1883$", f"listener {tcp} 127.0.0.1", text, flags=re.M)
    text = re.sub(r"^listener 9001$", f"listener {ws} 127.0.0.1", text, flags=re.M)
    if os.geteuid() == 0:
        text = "user root\n" + text
    broker = Mosquitto(root / "run", port=tcp, websockets_port=ws, conf_text=text, cwd=root)
    attach_log(request, "mosquitto log", broker.log_path)
    broker.start()
    try:
        with pytest.raises(ConnectionError):
            Collector(tcp, ()).start()
        app = Collector(ws, ["ev/#"], username="field-app", password=creds["field-app"], transport="websockets").start()
        bridge = Collector(tcp, (), username="chargebus-bridge", password=creds["chargebus-bridge"]).start()
        try:
            bridge.publish("ev/chargers/CP9/state", '{"online":true}', retain=True)
            assert app.wait_for("ev/chargers/CP9/state", timeout=5).json == {"online": True}
        finally:
            app.stop()
            bridge.stop()
    finally:
        broker.stop()
    assert (root / "data" / "mosquitto" / "mosquitto.db").exists(), "persistence file not written on shutdown"
