"""The whole chain with real parts only: a mobilityhouse OCPP 1.6 charge point → the bridge →
mosquitto → the alerts daemon → the notify daemon → aiosmtpd (STARTTLS, AUTH) and the local SMS
gateway; then the technician acknowledges with the CLI and the escalation never comes."""

from __future__ import annotations

import asyncio
import time

from support.alerts_daemon import *  # noqa: F401,F403
from support.alerts_daemon import booted, wait_event
from support.notify_daemon import notification_events, wait_until
from test_notify import certificate, gateway, mails_to, notify_factory, sms_to, smtp  # noqa: F401 (fixtures)


async def test_a_charger_fault_reaches_the_technician_and_an_ack_stops_the_escalation(
        cli, alerts_stack, bus, charger_password, notify_factory, smtp, gateway, mosquitto):
    cp = "DEPOT-N-FS1"
    cli.add_charger(cp, charger_password, site="depot-north", klass="L3")
    bridge, _ = alerts_stack()
    notify_factory(escalation_after="4s")
    await bus.wait_for_async(f"ev/chargers/{cp}/info")
    conn, c = await booted(bridge.url(cp), cp, charger_password, bus)
    try:
        await c.status(1, "Faulted", "OtherError", vendor_id="com.evgo.mrec", vendor_error_code="F003", info="pilot")
        fired = await wait_event(bus, charger=cp, rule="faulted", event="firing")
        alert_id = fired["alert"]["id"]
        mail = (await asyncio.to_thread(wait_until, lambda: mails_to(smtp, "alice@example.com"), 15, 0.05, "the email"))[0]
        sms = (await asyncio.to_thread(wait_until, lambda: sms_to(gateway, "+4915112345671"), 15, 0.05, "the SMS"))[0]
        # What the technician reads: charger, site, address, translated vendor code, how to ack.
        for expected in (cp, "Depot North", "Industriestraße 5", "F003", "Pilot voltage low", f"chargebus alerts ack {alert_id}"):
            assert expected in mail.text, f"{expected!r} missing from:\n{mail.text}"
        assert cp in sms.body and len(sms.body) <= 160
        # The technician acknowledges from the field (as tech-alice would, over MQTT).
        ack = cli("alerts", "ack", alert_id, "--by", "alice", "--mqtt", mosquitto.url, data=False, check=False)
        assert ack.returncode == 0, ack.stderr
        await wait_event(bus, charger=cp, rule="faulted", event="acknowledged")
        await asyncio.sleep(5.5)  # past the 4 s escalation
        assert not mails_to(smtp, "mia@example.com"), "acknowledged: no escalation to the manager"
        sent = notification_events(bus, event="sent")
        assert {e["channel"] for e in sent} == {"email", "sms"} and all(e["alerts"] == [alert_id] for e in sent)
        rows = cli("notify", "history", "--alert", alert_id).stdout
        assert "alice" in rows.lower() or "Alice" in rows
    finally:
        await conn.close()


async def test_chargebus_run_includes_notify_when_configured(chargebus_bin, mosquitto, data_dir, tmp_path, request, bus, smtp,
                                                             gateway, certificate, charger_password, cli):
    """The embedded default: one `chargebus run` process with the bridge and every daemon; a real
    charger that disconnects for good ends as an email to the on-call technician."""
    import os
    from conftest import attach_log
    from support import procs
    from support.notify_daemon import SECRET_ENV, notify_yaml
    from support.ocpp_peer import ConnectedCharger

    cp = "DEPOT-N-RUN1"
    cli.add_charger(cp, charger_password, site="depot-north", klass="L2")
    config = tmp_path / "chargebus.yaml"
    # One shared file: each daemon reads its own section (`alerts:` with a short hold time, `notify:`).
    config.write_text("alerts:\n  rules:\n    disconnected: {for: 1s, keepFiringFor: 0s}\n"
                      + notify_yaml(smtp_port=smtp.port, http_base=gateway.base_url, ca_file=certificate[0]))
    ws_port, metrics_port = procs.free_port(), procs.free_port()
    log = tmp_path / "run.log"
    attach_log(request, "chargebus run", log)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CHARGEBUS_")}, **SECRET_ENV}
    proc = procs.spawn([str(chargebus_bin), "run", "--mqtt", mosquitto.url, "--data", str(data_dir), "--config", str(config),
                        "--listen", f"127.0.0.1:{ws_port}", "--metrics", f"127.0.0.1:{metrics_port}", "--heartbeat-interval", "30"],
                       log_path=log, env=env)
    try:
        await asyncio.to_thread(bus.wait_for, "ev/notifications/status", lambda p: p["config"] == "ok", 30)
        await bus.wait_for_async(f"ev/chargers/{cp}/info", timeout=20)
        conn = ConnectedCharger(f"ws://127.0.0.1:{ws_port}/ocpp/{cp}", cp, charger_password)
        c = await conn.__aenter__()
        await c.boot()
        await bus.wait_for_async(f"ev/chargers/{cp}/state", lambda p: p["online"] is True)
        await conn.close()
        mail = (await asyncio.to_thread(wait_until, lambda: mails_to(smtp, "alice@example.com"), 30, 0.1, "the email"))[0]
        assert cp in mail.subject and "disconnected" in mail.subject
        assert sms_to(gateway, "+4915112345671") or await asyncio.to_thread(
            wait_until, lambda: sms_to(gateway, "+4915112345671"), 10, 0.1, "the SMS")
    finally:
        assert procs.terminate(proc, timeout=20) == 0, procs.tail(log, 40)
