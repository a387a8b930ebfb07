"""10. The admin CLI: usage errors exit 64 (EX_USAGE) with a message; `chargers list --json` shows
what was added and never a password or its hash."""

from __future__ import annotations

import json
import re

import pytest

SECRET = "cli-secret-password-77"


def find_charger(listing, cp_id):
    items = listing
    if isinstance(listing, dict):
        items = listing.get("chargers", list(listing.values()))
    for item in items:
        if isinstance(item, dict) and cp_id in item.values():
            return item
    return None


def all_items(value):
    """Every (key, value) pair at any depth. A boolean `hasPassword` is fine; a password field is not."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from all_items(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_items(v)


VALID = {"--site": "S", "--class": "L2", "--connectors": "2", "--max-power-kw": "22", "--password": SECRET}


@pytest.mark.parametrize("bad", [
    {"--class": "L9"},
    {"--connectors": "zero"},
    {"--max-power-kw": "not-a-number"},
])
def test_bad_arguments_exit_64(cli, bad):
    opts = {**VALID, **bad}
    argv = ["chargers", "add", "CP-BAD"] + [x for kv in opts.items() for x in kv]
    r = cli.run(*argv, check=False)
    assert r.returncode == 64, f"exit {r.returncode}, stderr: {r.stderr}"
    assert r.stderr.strip(), "a usage message on stderr"
    assert SECRET not in r.stderr + r.stdout
    listing = json.loads(cli.run("chargers", "list", "--json").stdout or "[]")
    assert find_charger(listing, "CP-BAD") is None, "a refused add must not store anything"


def test_class_error_names_the_problem(cli):
    r = cli.run("chargers", "add", "CP-BAD", "--site", "S", "--class", "L9", "--connectors", "2",
                "--max-power-kw", "22", "--password", SECRET, check=False)
    assert r.returncode == 64
    assert re.search(r"class|L9|usage", r.stderr, re.I), r.stderr


def test_missing_required_option_exits_64(cli):
    r = cli.run("chargers", "add", "CP-NOPW", "--site", "S", "--class", "L2", "--connectors", "2",
                "--max-power-kw", "22", check=False)
    assert r.returncode == 64, r
    r = cli.run("chargers", "frobnicate", check=False)
    assert r.returncode == 64, r


def test_list_json_shows_what_was_added(cli):
    cli.add_charger("CP-L1", SECRET, site="SITE-NORTH", klass="L2", connectors=2, max_power_kw=22)
    cli.add_charger("CP-L2", SECRET + "x", site="SITE-SOUTH", klass="L3", connectors=1, max_power_kw=150, lenient=True)
    r = cli.run("chargers", "list", "--json")
    listing = json.loads(r.stdout)
    a, b = find_charger(listing, "CP-L1"), find_charger(listing, "CP-L2")
    assert a and b, listing
    assert "SITE-NORTH" in a.values() and "SITE-SOUTH" in b.values(), listing
    assert "L2" in a.values() and "L3" in b.values(), listing
    assert 2 in a.values() and 1 in b.values(), f"connector counts: {listing}"
    # maximum power, in kW or W (the listing says which in its key)
    assert any(v in (22, 22000) for v in a.values()) and any(v in (150, 150000) for v in b.values()), listing
    assert True in b.values(), f"lenient flag of CP-L2: {b}"
    assert SECRET not in r.stdout
    suspicious = [k for k, v in all_items(listing)
                  if re.search(r"hash|secret|salt|key", k, re.I) or (re.search(r"pass", k, re.I) and not isinstance(v, bool))]
    assert not suspicious, f"credential-like fields in the listing: {suspicious}"
    assert not re.search(r"\$\d\$|\$argon2|\$scrypt|pbkdf2|sha256\$", r.stdout, re.I), "a password hash leaked"

    # the plain listing works too and mentions both
    plain = cli.run("chargers", "list").stdout
    assert "CP-L1" in plain and "CP-L2" in plain and SECRET not in plain

    # set, then remove
    cli.run("chargers", "set", "CP-L1", "--site", "SITE-EAST")
    a = find_charger(json.loads(cli.run("chargers", "list", "--json").stdout), "CP-L1")
    assert "SITE-EAST" in a.values(), a
    cli.run("chargers", "remove", "CP-L2")
    listing = json.loads(cli.run("chargers", "list", "--json").stdout)
    assert find_charger(listing, "CP-L2") is None and find_charger(listing, "CP-L1"), listing


def test_duplicate_add_fails(cli):
    cli.add_charger("CP-DUP", SECRET)
    r = cli.run("chargers", "add", "CP-DUP", "--site", "S", "--class", "L2", "--connectors", "2",
                "--max-power-kw", "22", "--password", SECRET, check=False)
    assert r.returncode != 0 and r.stderr.strip(), r


def test_idtags(cli):
    cli.add_idtag("TAG-A")
    cli.add_idtag("TAG-B", status="Blocked", expiry="2030-01-01T00:00:00Z")
    out = cli.run("idtags", "list").stdout
    assert "TAG-A" in out and "TAG-B" in out
    cli.run("idtags", "remove", "TAG-A")
    out = cli.run("idtags", "list").stdout
    assert "TAG-A" not in out and "TAG-B" in out
    r = cli.run("idtags", "add", "TAG-C", "--status", "Sleeping", check=False)
    assert r.returncode == 64, r
