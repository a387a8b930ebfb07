"""Issue 6, item 7: the technician CLI over MQTT only (status, sessions, start/stop with a limit,
reset, unlock, clear, config, watch, ack), its --json output and its exit codes."""

from __future__ import annotations

import asyncio
import json
import subprocess

from test_commands_roundtrip import daemon_factory, rig  # noqa: F401  (fixtures)


def tech(chargebus_bin, mosquitto, *args, user="dee", timeout=60) -> subprocess.CompletedProcess:
    argv = [str(chargebus_bin), *args, "--mqtt", mosquitto.url, "--user", user]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env={"PATH": "/usr/bin:/bin"})


async def run(*a, **kw) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(tech, *a, **kw)


async def test_status_sessions_and_a_limited_start(rig, bus, chargebus_bin, mosquitto):
    cp, _, _ = rig
    r = await run(chargebus_bin, mosquitto, "status", "CP-1")
    assert r.returncode == 0 and "ONLINE" in r.stdout and "site north" in r.stdout and "connector 1: Available" in r.stdout, r
    assert "alerts: none active" in r.stdout and "health: (no health daemon data)" in r.stdout, r.stdout
    r = await run(chargebus_bin, mosquitto, "status", "CP-1", "--json")
    picture = json.loads(r.stdout)
    assert picture["state"]["online"] is True and picture["connectors"]["1"]["status"] == "Available", picture

    # Health and alerts, when their daemons publish them, show up (read tolerantly).
    bus.publish("ev/chargers/CP-1/health", {"bucket": "Faulted", "since": "2026-11-21T06:00:00.000Z"}, retain=True)
    bus.publish("ev/alerts/active/CP-1/faulted", {"id": "A-1", "rule": "faulted", "severity": "major",
                                                  "summary": "connector 2 faulted", "acknowledged": False}, retain=True)
    r = await run(chargebus_bin, mosquitto, "status", "CP-1")
    assert "health: Faulted" in r.stdout and "[major] faulted: connector 2 faulted" in r.stdout, r.stdout

    r = await run(chargebus_bin, mosquitto, "sessions", "CP-1")
    assert r.returncode == 0 and "no running session" in r.stdout, r
    mark = bus.mark()
    r = await run(chargebus_bin, mosquitto, "start", "CP-1", "--connector", "1", "--tag", "TAG-1", "--minutes", "30")
    assert r.returncode == 0 and "stops it after 30 min" in r.stdout, r
    await bus.wait_for_async("ev/chargers/CP-1/connectors/1/status", lambda p: p["status"] == "Charging", since=mark)
    r = await run(chargebus_bin, mosquitto, "sessions", "CP-1", "--json")
    sessions = json.loads(r.stdout)["sessions"]
    assert [s["connector"] for s in sessions] == [1], sessions

    # Busy while charging: exit code 4.
    r = await run(chargebus_bin, mosquitto, "reset", "CP-1", "--hard")
    assert r.returncode == 4 and "Busy" in r.stdout, r
    r = await run(chargebus_bin, mosquitto, "stop", "CP-1", "--connector", "1")
    assert r.returncode == 0, r
    await bus.wait_for_async("ev/chargers/CP-1/transactions", lambda p: p["event"] == "stopped", since=mark)


async def test_exit_codes_and_json(rig, bus, chargebus_bin, mosquitto):
    cp, _, _ = rig
    r = await run(chargebus_bin, mosquitto, "unlock", "CP-1", "--connector", "1", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["response"] == {"status": "Unlocked"}, r
    r = await run(chargebus_bin, mosquitto, "unlock", "CP-1", "--connector", "7")
    assert r.returncode == 2 and "Invalid" in r.stdout, r
    r = await run(chargebus_bin, mosquitto, "reboot", "CP-2")
    assert r.returncode == 3 and "Denied" in r.stdout, r
    r = await run(chargebus_bin, mosquitto, "reboot", "CP-OFF")
    assert r.returncode == 5 and "Offline" in r.stdout, r
    r = await run(chargebus_bin, mosquitto, "config", "CP-1")
    assert r.returncode == 0 and "MeterValueSampleInterval" in r.stdout and "(read-only)" in r.stdout, r
    r = await run(chargebus_bin, mosquitto, "config", "CP-1", "HeartbeatInterval=120", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "Accepted", r
    await cp.set_status(2, "Faulted", "OtherError")
    await asyncio.sleep(0.5)
    r = await run(chargebus_bin, mosquitto, "clear", "CP-1")
    assert r.returncode == 0 and "back to Available" in r.stdout, r
    mark = bus.mark()
    r = await run(chargebus_bin, mosquitto, "ack", "A-1", "--note", "on site at 10")
    assert r.returncode == 0, r
    ack = await bus.wait_for_async("ev/alerts/A-1/ack", since=mark)
    assert ack.json["by"] == "dee" and ack.json["note"] == "on site at 10", ack


async def test_watch_formats_the_ocpp_stream(rig, bus, chargebus_bin, mosquitto):
    cp, _, _ = rig
    proc = await asyncio.create_subprocess_exec(str(chargebus_bin), "watch", "CP-1", "--count", "4", "--mqtt", mosquitto.url,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    await asyncio.sleep(1.0)
    await cp.heartbeat()
    await cp.status(1, "Available")
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    text = out.decode()
    assert proc.returncode == 0, text
    assert "charger → CSMS  Heartbeat" in text and "Heartbeat ✓" in text and "StatusNotification" in text, text
