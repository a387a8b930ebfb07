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
