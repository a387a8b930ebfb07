"""The Swift simulator's 2.0.1 charging stations (`chargebus simulate --protocol ocpp2.0.1|mix`)
against the real bridge: they negotiate ocpp2.0.1, boot, run TransactionEvent sessions whose
meter values and transactions land normalized on the bus, and a fault scenario shows up as
ConnectorLockFailure with the vendor code (NotifyEvent + Faulted)."""

from __future__ import annotations

import re
import signal
import time

from conftest import attach_log
from support import procs

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def run_sim(chargebus_bin, bridge, tmp_path, request, *args: str):
    log = tmp_path / "simulate.log"
    attach_log(request, "chargebus simulate", log)
    return procs.spawn([str(chargebus_bin), "simulate", "--url", bridge.url(), "--log-level", "debug", *args], log_path=log)


def online(bus) -> dict[str, str]:
    return {m.topic.split("/")[2]: m.json["protocol"] for m in bus.select("ev/chargers/+/state") if (m.json or {}).get("online")}


def wait_until(predicate, sim, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert sim.poll() is None, f"simulator exited with {sim.returncode}"
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def test_simulated_201_stations_sessions_and_fault(chargebus_bin, cli, bridge_factory, bus, tmp_path, request):
    """Sessions are started remotely with a known id tag (the simulator's own random tags are unknown to the bridge,
    so its automatic sessions would all be refused at Authorize)."""
    cli.add_idtag("TAG-SIM")
    # Registered with a huge maximum power: at --speed 60 a simulated session delivers 60 times its energy per
    # real second while the meter timestamps are real time, which the energy validation would flag.
    password = "sim-password-201x"
    for n in (1, 2, 3):
        cli.add_charger(f"SIM0000{n}", password, klass="L2", connectors=2, max_power_kw=2000)
    bridge = bridge_factory(heartbeat_interval=60)
    sim = run_sim(chargebus_bin, bridge, tmp_path, request, "--password", password, "--ac-ratio", "1",
                  "--protocol", "ocpp2.0.1", "--chargers", "3", "--speed", "60",
                  "--session-minutes", "3", "--meter-interval", "20", "--no-sessions",
                  "--scenario", "fault:SIM00001@90s,errorCode=ConnectorLockFailure,code=CX001,info=Lock jammed,recover=60s")
    try:
        wait_until(lambda: len(online(bus)) == 3, sim, 30, "3 chargers online")
        assert set(online(bus).values()) == {"ocpp2.0.1"}, online(bus)
        for cp in online(bus):
            boot = bus.wait_for(f"ev/chargers/{cp}/boot", lambda p: p["registration"] == "Accepted", timeout=10).json
            assert boot.get("reason") == "PowerUp" and boot.get("iccid") and boot["vendor"] == "ChargeBusSim", boot
        for cp in ("SIM00002", "SIM00003"):
            bus.wait_for(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Available", timeout=10)
            bus.publish(f"ev/calls/{cp}/request", {"id": f"start-{cp}", "action": "RemoteStartTransaction",
                                                   "payload": {"idTag": "TAG-SIM", "connectorId": 1}})
            r = bus.wait_for(f"ev/calls/{cp}/response", lambda p: p["id"] == f"start-{cp}", timeout=10).json
            assert r["status"] == "ok" and r["response"] == {"status": "Accepted"}, r

        def stopped():
            return [m.json for m in bus.select("ev/chargers/+/transactions") if m.json["event"] == "stopped"]
        wait_until(lambda: len(stopped()) >= 2, sim, 60, "two finished sessions")
        for stop in stopped()[:2]:
            tid = stop["transactionId"]
            assert isinstance(tid, str) and UUID.match(tid), stop
            assert stop["reason"] in ("Local", "EVDisconnected"), stop
            started = bus.select("ev/chargers/+/transactions", lambda p: p["transactionId"] == tid and p["event"] == "started")
            assert started, f"no started for {tid}"
            s = started[0].json
            assert s["idTag"] == "TAG-SIM" and s["idTagStatus"] == "Accepted" and s["meterStartWh"] > 0, s
            meters = [m.json for m in bus.select("ev/chargers/+/connectors/+/meter", lambda p: p.get("transactionId") == tid)]
            assert meters, f"no meter values for {tid}"
            energies = [m["energyWh"] for m in meters]
            assert energies == sorted(energies), meters
            invalid = [m for m in meters if not m["valid"]]
            assert not invalid, f"meter values the bridge flagged invalid: {invalid}"
            assert stop["meterStopWh"] >= energies[-1] and stop["energyWh"] == stop["meterStopWh"] - s["meterStartWh"], (s, stop)

        topic = "ev/chargers/SIM00001/connectors/1/status"
        faulted = bus.wait_for(topic, lambda p: p["status"] == "Faulted", timeout=30).json
        assert faulted["errorCode"] == "ConnectorLockFailure" and faulted.get("vendorErrorCode") == "CX001", faulted
        assert faulted.get("info") == "Lock jammed", faulted
        mark = bus.select(topic).index(next(m for m in bus.select(topic) if m.json["status"] == "Faulted"))
        recovered = bus.wait_for(topic, lambda p: p["status"] != "Faulted", timeout=30, since=0)
        later = [m.json for m in bus.select(topic)][mark:]
        assert any(p["status"] != "Faulted" and p["errorCode"] == "NoError" for p in later), later
        del recovered
    finally:
        procs.terminate(sim, timeout=10, sig=signal.SIGINT)


def test_simulated_mixed_fleet(chargebus_bin, bridge_factory, bus, tmp_path, request):
    bridge = bridge_factory(auto_register=True, heartbeat_interval=10)
    sim = run_sim(chargebus_bin, bridge, tmp_path, request, "--protocol", "mix", "--mix-ratio", "0.5", "--seed", "3",
                  "--chargers", "6", "--no-sessions")
    try:
        wait_until(lambda: len(online(bus)) == 6, sim, 30, "6 chargers online")
        protocols = online(bus)
        assert set(protocols.values()) == {"ocpp1.6", "ocpp2.0.1"}, protocols
        for cp, protocol in protocols.items():
            bus.wait_for(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Available", timeout=10)
    finally:
        procs.terminate(sim, timeout=10, sig=signal.SIGINT)


def test_commands_to_a_simulated_201_station(chargebus_bin, bridge_factory, bus, tmp_path, request):
    """Every mapped 1.6 command, translated by the bridge, answered by the simulator's 2.0.1 station."""
    bridge = bridge_factory(auto_register=True, heartbeat_interval=60)
    sim = run_sim(chargebus_bin, bridge, tmp_path, request, "--protocol", "ocpp2.0.1", "--chargers", "1",
                  "--no-sessions", "--ac-ratio", "1", "--speed", "20")
    cp = "SIM00001"
    n = 0

    def command(action: str, payload: dict) -> dict:
        nonlocal n
        n += 1
        rid = f"c{n}-{action}"
        mark = bus.mark()
        bus.publish(f"ev/calls/{cp}/request", {"id": rid, "action": action, "payload": payload})
        r = bus.wait_for(f"ev/calls/{cp}/response", lambda p: p["id"] == rid, timeout=10, since=mark).json
        assert r["status"] == "ok", f"{action} {payload}: {r}"
        return r["response"]

    try:
        wait_until(lambda: cp in online(bus), sim, 30, "the station online")
        bus.wait_for(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Available", timeout=10)

        conf = command("GetConfiguration", {"key": ["HeartbeatInterval", "MeterValueSampleInterval", "NoSuchKey"]})
        keys = {k["key"]: k["value"] for k in conf["configurationKey"]}
        assert keys == {"HeartbeatInterval": "60", "MeterValueSampleInterval": "60"}, conf
        assert "NoSuchKey" in conf.get("unknownKey", []), conf
        assert command("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "120"}) == {"status": "Accepted"}
        conf = command("GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert conf["configurationKey"][0]["value"] == "120", conf
        assert command("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "soon"}) == {"status": "Rejected"}
        assert command("ClearCache", {}) == {"status": "Accepted"}
        assert command("UnlockConnector", {"connectorId": 1}) == {"status": "Unlocked"}
        assert command("DataTransfer", {"vendorId": "ChargeBusSim", "data": "x"}) == {"status": "Accepted", "data": "x"}
        assert command("DataTransfer", {"vendorId": "com.other"})["status"] == "UnknownVendorId"

        mark = bus.mark()
        assert command("TriggerMessage", {"requestedMessage": "MeterValues", "connectorId": 1}) == {"status": "Accepted"}
        bus.wait_for(f"ev/chargers/{cp}/connectors/1/meter", lambda p: p["energyWh"] > 0, timeout=10, since=mark)

        mark = bus.mark()
        assert command("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}) == {"status": "Accepted"}
        bus.wait_for(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Unavailable", timeout=10, since=mark)
        assert command("ChangeAvailability", {"connectorId": 1, "type": "Operative"}) == {"status": "Accepted"}
        bus.wait_for(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Available", timeout=10, since=mark)

        mark = bus.mark()
        diag = command("GetDiagnostics", {"location": "ftp://logs.example/"})
        assert diag.get("fileName", "").startswith("log-SIM00001"), diag
        for status in ("Uploading", "Uploaded"):
            bus.wait_for(f"ev/chargers/{cp}/events/diagnostics-status", lambda p: p["data"]["status"] == status,
                         timeout=10, since=mark)

        mark = bus.mark()
        fw = command("UpdateFirmware", {"location": "https://fw.example/sim-3.1.4.bin", "retrieveDate": "2020-01-01T00:00:00Z"})
        assert fw.get("status", "Accepted") == "Accepted", fw
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            bus.wait_for(f"ev/chargers/{cp}/events/firmware-status", lambda p: p["data"]["status"] == status,
                         timeout=15, since=mark)
        boot = bus.wait_for(f"ev/chargers/{cp}/boot", lambda p: p.get("reason") == "FirmwareUpdate", timeout=15, since=mark).json
        assert boot["firmware"] == "3.1.4", boot

        mark = bus.mark()
        assert command("Reset", {"type": "Hard"}) == {"status": "Accepted"}
        boot = bus.wait_for(f"ev/chargers/{cp}/boot", lambda p: p.get("reason") == "RemoteReset", timeout=15, since=mark).json
        assert boot["registration"] == "Accepted", boot
    finally:
        procs.terminate(sim, timeout=10, sig=signal.SIGINT)
