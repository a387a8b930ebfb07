"""Issue 6, item 4: the shipped mosquitto/acl binds a technician's requests to their broker
username (ev/chargers/{cp}/commands/{name}/by/{username}), exercised with real broker users made by
scripts/mosquitto-users, the real bridge and `chargebus commands` logged in as their own users,
and the technician CLI."""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from conftest import attach_log
from support import procs
from support.bridge import REPO_ROOT, Bridge
from support.commands_support import CommandsChargePoint, CommandsDaemon, new_id
from support.mosquitto import Mosquitto
from support.mqtt import Collector, response_properties
from support.ocpp_peer import ConnectedCharger
from test_broker_acl import NOT_AUTHORIZED, Clients, make_users


@pytest.fixture
async def secured_rig(tmp_path, request, chargebus_bin, cli, charger_password):
    creds = make_users(tmp_path / "users")
    broker = Mosquitto(tmp_path / "broker", allow_anonymous=False, password_file=tmp_path / "users" / "passwd",
                       acl_file=REPO_ROOT / "mosquitto" / "acl")
    attach_log(request, "mosquitto log", broker.log_path)
    broker.start()
    url = lambda user: f"mqtt://{user}:{creds[user]}@127.0.0.1:{broker.port}"  # noqa: E731
    clients = Clients(broker.port, creds)
    cli.add_charger("CP-1", charger_password, site="north")
    cli.add_idtag("TAG-1")
    bridge = Bridge(chargebus_bin, mqtt_url=url("chargebus-bridge"), mqtt_port=broker.port, data_dir=cli.data_dir,
                    log_path=tmp_path / "bridge.log", bridge_id="acl-bridge", call_timeout=3)
    attach_log(request, "bridge", tmp_path / "bridge.log")
    # Bridge.start() watches its state topic anonymously, which this broker refuses: wait with a real user.
    watcher = clients("chargebus-health", ["ev/#"])
    bridge.start(wait_online=False)
    watcher.wait_for("ev/bridges/acl-bridge", lambda p: p["online"] is True, timeout=30)
    daemon = CommandsDaemon(chargebus_bin, mqtt_url=url("chargebus-commands"), data_dir=cli.data_dir,
                            log_path=tmp_path / "commands.log", config_path=tmp_path / "commands.yaml")
    attach_log(request, "chargebus commands", tmp_path / "commands.log")
    daemon.start()
    # The daemon checked that this broker refuses a request published under someone else's name.
    assert "the broker binds requests to their sender's username" in (tmp_path / "commands.log").read_text()
    try:
        async with ConnectedCharger(bridge.url("CP-1"), "CP-1", charger_password, cp_class=CommandsChargePoint) as cp:
            await cp.boot()
            await watcher.wait_for_async("ev/chargers/CP-1/state", lambda p: p["online"] is True)
            await asyncio.sleep(0.5)
            yield cp, clients, url, watcher
    finally:
        daemon.stop()
        procs.terminate(bridge.proc)
        clients.close()
        broker.stop()


async def publish(client: Collector, topic: str, body: dict, properties=None):
    return await asyncio.to_thread(client.publish, topic, body, qos=1, properties=properties)


async def test_technicians_publish_only_as_themselves(secured_rig):
    cp, clients, _, watcher = secured_rig
    alice = clients("tech-alice", ["ev/chargers/+/commands/+/result", "ev/replies/tech-alice/#"])
    bob = clients("tech-bob", ["ev/chargers/+/commands/+/result"])
    app = clients("field-app", ["ev/#"])

    # Alice (Installer, site north) on her own bound topic: executed.
    rid = new_id()
    rc = await publish(alice, "ev/chargers/CP-1/commands/reboot/by/tech-alice", {"id": rid, "params": {}},
                       properties=response_properties("ev/replies/tech-alice/r1", b"c1"))
    assert rc.value < 0x80, rc
    r = await alice.wait_for_async("ev/chargers/CP-1/commands/reboot/result", lambda p: p["id"] == rid)
    assert r.json["status"] == "Accepted" and r.json["by"] == "tech-alice", r
    reply = await alice.wait_for_async("ev/replies/tech-alice/r1", lambda p: p["id"] == rid)
    assert reply.json == r.json

    # Alice cannot speak for Bob, nor use the unbound topic, nor forge a result.
    before = len(cp.received)
    for topic in ("ev/chargers/CP-1/commands/reboot/by/tech-bob", "ev/chargers/CP-1/commands/reboot",
                  "ev/chargers/CP-1/commands/reboot/result", "ev/calls/CP-1/request"):
        rc = await publish(alice, topic, {"id": new_id(), "by": "tech-bob", "params": {}})
        assert rc.value == NOT_AUTHORIZED, (topic, rc)
    # Field apps cannot command at all, even under their own name.
    rc = await publish(app, "ev/chargers/CP-1/commands/reboot/by/field-app", {"id": new_id(), "params": {}})
    assert rc.value == NOT_AUTHORIZED, rc
    await asyncio.sleep(1)
    assert len(cp.received) == before, cp.received[before:]

    # Bob is a Dispatcher for site south: the broker lets him publish, the daemon denies by site.
    rid = new_id()
    rc = await publish(bob, "ev/chargers/CP-1/commands/reset/by/tech-bob", {"id": rid, "params": {}})
    assert rc.value < 0x80
    r = await bob.wait_for_async("ev/chargers/CP-1/commands/reset/result", lambda p: p["id"] == rid)
    assert r.json["status"] == "Denied" and "south" in r.json["message"], r

    # Alice is an Installer: clear-cache is not hers.
    rid = new_id()
    await publish(alice, "ev/chargers/CP-1/commands/clear-cache/by/tech-alice", {"id": rid})
    r = await alice.wait_for_async("ev/chargers/CP-1/commands/clear-cache/result", lambda p: p["id"] == rid)
    assert r.json["status"] == "Denied" and "Installer" in r.json["message"], r


def run_cli(chargebus_bin, *args, timeout=60) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "USER": "someone-else"}
    return subprocess.run([str(chargebus_bin), *args], capture_output=True, text=True, timeout=timeout, env=env)


async def test_technician_cli_over_the_secured_broker(secured_rig, chargebus_bin):
    cp, clients, url, _ = secured_rig
    # The user defaults to the broker username in --mqtt (not $USER).
    r = await asyncio.to_thread(run_cli, chargebus_bin, "reboot", "CP-1", "--mqtt", url("tech-alice"), "--json")
    assert r.returncode == 0, r
    result = json.loads(r.stdout)
    assert result["status"] == "Accepted" and result["by"] == "tech-alice", result
    # Claiming someone else's identity is refused by the broker itself.
    r = await asyncio.to_thread(run_cli, chargebus_bin, "reboot", "CP-1", "--mqtt", url("tech-alice"), "--user", "tech-bob")
    assert r.returncode == 3 and "refused" in r.stderr, r
    # Denied by role: exit code 3, human message.
    r = await asyncio.to_thread(run_cli, chargebus_bin, "config", "CP-1", "HeartbeatInterval=60", "--mqtt", url("tech-alice"))
    assert r.returncode == 3 and "Denied" in r.stdout, r
    r = await asyncio.to_thread(run_cli, chargebus_bin, "config", "CP-1", "HeartbeatInterval", "--mqtt", url("tech-alice"))
    assert r.returncode == 0 and "HeartbeatInterval" in r.stdout and "300" in r.stdout, r
    r = await asyncio.to_thread(run_cli, chargebus_bin, "status", "CP-1", "--mqtt", url("tech-alice"))
    assert r.returncode == 0 and "ONLINE" in r.stdout and "connector" in r.stdout, r
    r = await asyncio.to_thread(run_cli, chargebus_bin, "ack", "A-123", "--note", "on my way", "--mqtt", url("tech-alice"))
    assert r.returncode == 0, r
