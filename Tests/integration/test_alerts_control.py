"""Alert control end to end: acknowledgement and silences over MQTT topics (as a field app) and
through the CLI, config reload (SIGHUP and topic; a bad file is refused with its line and the old
rules stay), and a daemon restart in the middle of a pending period (no duplicate, nothing lost)."""

from __future__ import annotations

import asyncio
import signal

from support.alerts_daemon import *  # noqa: F401,F403
from support.alerts_daemon import FAST_RULES, booted, events, wait_event


async def test_ack_and_silence_over_topics(cli, alerts_stack, bus, charger_password, mosquitto):
    cp = "CP-ALERT-ACK"
    cli.add_charger(cp, charger_password, site="SITE-ACK")
    bridge, _ = alerts_stack()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Faulted", "GroundFailure")
        fired = await wait_event(bus, charger=cp, rule="faulted", event="firing")
        alert_id = fired["alert"]["id"]
        # A technician's field app acknowledges on ev/alerts/{id}/ack.
        bus.publish(f"ev/alerts/{alert_id}/ack", {"by": "tech-7", "note": "on my way"})
        acked = await wait_event(bus, charger=cp, rule="faulted", event="acknowledged")
        assert acked["by"] == "tech-7" and acked["note"] == "on my way" and acked["alert"]["acknowledged"] is True
        active = await bus.wait_for_async(f"ev/alerts/active/{cp}/faulted/1", lambda p: p and p.get("acknowledged"))
        assert active.json["ackBy"] == "tech-7" and active.retain is False or active.json["ackBy"] == "tech-7"
        # A maintenance window on the site, over the silence topic.
        bus.publish("ev/alerts/silences/set", {"id": "mw-1", "matcher": {"site": "SITE-ACK"}, "durationS": 600,
                                               "createdBy": "ops", "comment": "pump replacement"})
        silenced = await wait_event(bus, charger=cp, rule="faulted", event="silenced")
        assert silenced["silenceId"] == "mw-1" and silenced["by"] == "ops" and silenced["alert"]["silenced"] is True
        s = await bus.wait_for_async("ev/alerts/silences/mw-1", lambda p: p and p["comment"] == "pump replacement")
        assert s.json["matcher"] == {"site": "SITE-ACK"}
        # A new alert inside the window is recorded, flagged silenced (notifiers skip it).
        await c.status(2, "Faulted", "HighTemperature")
        m = await bus.wait_for_async("ev/alerts/events", lambda p: p["event"] == "firing" and p["alert"]["connector"] == 2
                                     and p["alert"]["charger"] == cp)
        assert m.json["alert"]["silenced"] is True and m.json["alert"]["silencedBy"] == ["mw-1"]
        # Expire it: unsilenced, retained silence cleared.
        bus.publish("ev/alerts/silences/mw-1/expire", {"by": "ops"})
        unsilenced = await bus.wait_count_async("ev/alerts/events", 2, lambda p: p["event"] == "unsilenced"
                                                and p["alert"]["charger"] == cp)
        assert len(unsilenced) == 2
        await bus.wait_for_async("ev/alerts/silences/mw-1", lambda p: p is None)
        # The same through the CLI (it goes over MQTT and waits for the daemon's confirmation).
        out = cli("alerts", "silence", "create", "--mqtt", mosquitto.url, "--charger", cp, "--rule", "faulted",
                  "--duration", "1h", "--by", "ops2", "--comment", "cli window", "--id", "mw-2", data=False).stdout
        assert "mw-2" in out, out
        listed = cli("alerts", "silence", "list").stdout
        assert "mw-2" in listed and "active" in listed and "cli window" in listed, listed
        second = [e for e in events(bus, charger=cp, event="firing") if e["alert"]["connector"] == 2][0]["alert"]["id"]
        out = cli("alerts", "ack", second, "--mqtt", mosquitto.url, "--by", "tech-9", "--note", "cli", data=False).stdout
        assert "acknowledged" in out and "tech-9" in out, out
        refused = cli("alerts", "ack", "0000000000000000", "--mqtt", mosquitto.url, "--wait", "1", data=False, check=False)
        assert refused.returncode != 0 and "did not confirm" in refused.stderr, refused
        cli("alerts", "silence", "expire", "mw-2", "--mqtt", mosquitto.url, "--by", "ops2", data=False)
        shown = cli("alerts", "show", alert_id).stdout
        assert "acknowledged" in shown and "tech-7" in shown and "silenced" in shown and "unsilenced" in shown, shown
    finally:
        await conn.close()


async def test_config_reload_sighup_and_topic(cli, alerts_stack, alerts_rules, bus, charger_password):
    cp = "CP-ALERT-RELOAD"
    cli.add_charger(cp, charger_password)
    bridge, daemon = alerts_stack()
    # A bad file: refused with file:line: reason, the old rules stay active.
    alerts_rules.write_text(FAST_RULES.replace("faulted: {for: 1s, keepFiringFor: 0s}", "faulted: {for: soon}"))
    mark = bus.mark()
    daemon.signal(signal.SIGHUP)
    status = await bus.wait_for_async("ev/alerts/config/status", lambda p: p["status"] == "refused", since=mark)
    err = status.json["error"]
    line = next(i + 1 for i, l in enumerate(alerts_rules.read_text().splitlines()) if "soon" in l)
    assert err.startswith(f"{alerts_rules}:{line}:") and "alerts.rules.faulted.for" in err and "duration" in err, err
    assert status.retain is False or status.json["status"] == "refused"
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Faulted", "GroundFailure")
        await wait_event(bus, charger=cp, rule="faulted", event="firing")  # the old 1 s hold still applies
        await c.status(1, "Available")
        await wait_event(bus, charger=cp, rule="faulted", event="resolved")
        # A full rules file on the config topic: faulted disabled.
        mark = bus.mark()
        bus.publish("ev/alerts/config/set", FAST_RULES.replace("faulted: {for: 1s, keepFiringFor: 0s}", "faulted: {enabled: false}"))
        ok = await bus.wait_for_async("ev/alerts/config/status", lambda p: p["status"] == "ok", since=mark)
        assert "faulted" not in ok.json["rules"] and ok.json["source"].startswith("topic"), ok.json
        mark = bus.mark()
        await c.status(1, "Faulted", "GroundFailure")
        await asyncio.sleep(2.5)
        assert not events(bus, charger=cp, rule="faulted", event="firing", since=mark)
        # SIGHUP with a good file again: faulted is back and fires for the fault that is still there.
        alerts_rules.write_text(FAST_RULES)
        daemon.signal(signal.SIGHUP)
        await wait_event(bus, charger=cp, rule="faulted", event="firing", since=mark)
    finally:
        await conn.close()


async def test_restart_in_the_middle_of_a_pending_period(cli, bridge_factory, alerts_factory, alerts_rules, bus,
                                                         charger_password):
    cp = "CP-ALERT-RESTART"
    cli.add_charger(cp, charger_password)
    alerts_rules.write_text(FAST_RULES.replace("faulted: {for: 1s, keepFiringFor: 0s}", "faulted: {for: 6s, keepFiringFor: 0s}"))
    bridge = bridge_factory(heartbeat_interval=30)
    daemon = alerts_factory()
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Faulted", "GroundFailure")
        await bus.wait_for_async(f"ev/chargers/{cp}/connectors/1/status", lambda p: p["status"] == "Faulted")
        await asyncio.sleep(1.5)
        assert daemon.stop() == 0, "graceful shutdown exits 0"
        # While the daemon is down, connector 2 faults too: the persistent session queues it.
        await c.status(2, "Faulted", "HighTemperature")
        await asyncio.sleep(1)
        daemon.start()
        fired = await wait_event(bus, charger=cp, rule="faulted", event="firing", timeout=15)
        await asyncio.sleep(7)
        firing = events(bus, charger=cp, rule="faulted", event="firing")
        by_connector = {}
        for e in firing:
            by_connector.setdefault(e["alert"]["connector"], []).append(e)
        assert sorted(by_connector) == [1, 2], firing
        assert all(len(v) == 1 for v in by_connector.values()), f"duplicates: {firing}"
        # Connector 1's pending period started before the restart: `since` is the original fault time.
        c1 = by_connector[1][0]["alert"]
        assert c1["since"] < c1["firedAt"]
        assert fired
        # A second restart while firing: no new firing event, the retained alert is still there.
        daemon.stop()
        mark = bus.mark()
        daemon.start()
        await asyncio.sleep(2)
        assert not events(bus, charger=cp, rule="faulted", event="firing", since=mark)
        listing = cli("alerts", "list", "--state", "firing").stdout
        assert len([l for l in listing.splitlines() if f"  {cp}  " in l]) == 2, listing
    finally:
        await conn.close()
