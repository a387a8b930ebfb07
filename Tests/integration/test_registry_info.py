"""The registry on the bus: ev/chargers/{cp}/info (retained) is published for every registered
charger at startup, republished when the CLI changes a charger, and cleared (empty retained
payload) when it is removed. Also exercises --config (registrySyncIntervalS: 1)."""

from __future__ import annotations

import re

from support.mqtt import Collector

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_registry_is_published_and_kept_in_sync(cli, bridge_factory, bus, mosquitto, charger_password, tmp_path):
    cli.add_charger("CP-INFO-1", charger_password, site="depot-north", klass="L3", connectors=2, max_power_kw=150)
    cli.add_charger("CP-INFO-2", charger_password, site="depot-north", klass="L2", connectors=1, max_power_kw=11,
                    lenient=True)
    config = tmp_path / "chargebus.yaml"
    config.write_text("bridge:\n  registrySyncIntervalS: 1\n")
    bridge_factory(extra_args=("--config", str(config)))

    one = bus.wait_for("ev/chargers/CP-INFO-1/info", timeout=10).json
    assert (one["site"], one["class"], one["connectors"], one["maxPowerW"]) == ("depot-north", "L3", 2, 150000), one
    assert one["lenient"] is False and one["autoRegistered"] is False and RFC3339_MS.match(one["at"]), one
    two = bus.wait_for("ev/chargers/CP-INFO-2/info", timeout=10).json
    assert (two["class"], two["connectors"], two["maxPowerW"], two["lenient"]) == ("L2", 1, 11000, True), two
    assert not [k for k in list(one) + list(two) if re.search(r"pass|hash|salt", k, re.I)], (one, two)

    # changed with the CLI while the bridge runs -> republished
    mark = bus.mark()
    cli.run("chargers", "set", "CP-INFO-1", "--site", "depot-south")
    changed = bus.wait_for("ev/chargers/CP-INFO-1/info", lambda p: p["site"] == "depot-south", timeout=10, since=mark)
    assert changed.retain is False or changed.qos == 1

    # removed -> cleared with an empty retained payload
    mark = bus.mark()
    cli.run("chargers", "remove", "CP-INFO-2")
    bus.wait_for("ev/chargers/CP-INFO-2/info", timeout=10, since=mark)
    cleared = bus.select("ev/chargers/CP-INFO-2/info", since=mark)[-1]
    assert cleared.payload == b"", f"expected an empty retained payload, got {cleared}"
    late = Collector(mosquitto.port, ["ev/chargers/+/info"]).start()
    try:
        late.wait_for("ev/chargers/CP-INFO-1/info", lambda p: p["site"] == "depot-south", timeout=5)
        assert not late.select("ev/chargers/CP-INFO-2/info"), "a removed charger's info is still retained"
    finally:
        late.stop()
