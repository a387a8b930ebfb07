"""Fixtures of the ChargeBus integration suite: a real mosquitto, the real `chargebus` binary
(bridge and CLI), MQTT collectors. Every child process is killed at teardown; the logs of the
bridge, mosquitto and the CLI are attached to the report of a failing test."""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import procs  # noqa: E402
from support.bridge import CLI, REPO_ROOT, Bridge, chargebus_binary  # noqa: E402
from support.mosquitto import Mosquitto  # noqa: E402
from support.mqtt import Collector  # noqa: E402

LOGS = pytest.StashKey[list]()


# -- failure reports: attach the logs of the processes this test started --

def attach_log(request: pytest.FixtureRequest, name: str, path: Path) -> None:
    request.node.stash.setdefault(LOGS, []).append((name, path))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        for name, path in item.stash.get(LOGS, []):
            report.sections.append((f"{name} ({path})", procs.tail(Path(path), 250)))
    return report


# -- the binary --

def _binary_status() -> tuple[Path | None, str | None]:
    binary = chargebus_binary()
    if binary is None or not binary.exists():
        return None, f"chargebus binary not found (built? set CHARGEBUS_BIN); looked in {REPO_ROOT}/.build"
    return binary, None


@pytest.fixture(scope="session")
def chargebus_bin() -> Path:
    binary, problem = _binary_status()
    if problem:
        if os.environ.get("CHARGEBUS_REQUIRE_BIN") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    return binary


# -- names --

@pytest.fixture
def test_slug(request) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", request.node.name)[:40].strip("-")


def make_password() -> str:
    """16–20 bytes, as OCPP security profile 1 wants for the AuthorizationKey."""
    return secrets.token_hex(9)  # 18 characters


# -- mosquitto --

@pytest.fixture
def mosquitto(tmp_path, request) -> Mosquitto:
    broker = Mosquitto(tmp_path / "mosquitto")
    attach_log(request, "mosquitto log", broker.log_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def collector_factory(mosquitto):
    made: list[Collector] = []

    def make(topics=("ev/#",), **kw) -> Collector:
        c = Collector(kw.pop("port", mosquitto.port), topics, **kw).start()
        made.append(c)
        return c

    yield make
    for c in made:
        try:
            c.stop()
        except Exception:
            pass


@pytest.fixture
def bus(collector_factory) -> Collector:
    """Everything under ev/, recorded from before the bridge starts."""
    return collector_factory(("ev/#",))


# -- chargebus --

@pytest.fixture
def data_dir(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def cli(chargebus_bin, data_dir, tmp_path, request) -> CLI:
    log = tmp_path / "cli.log"
    attach_log(request, "chargebus CLI", log)
    return CLI(chargebus_bin, data_dir, log)


@pytest.fixture
def bridge_factory(chargebus_bin, mosquitto, data_dir, tmp_path, request, test_slug):
    made: list[Bridge] = []

    def make(*, start: bool = True, data: Path | None = None, **kw) -> Bridge:
        n = len(made) + 1
        log = tmp_path / f"bridge-{n}.log"
        attach_log(request, f"bridge #{n} stderr", log)
        kw.setdefault("bridge_id", f"itest-{test_slug}-{n}")
        b = Bridge(chargebus_bin, mqtt_url=mosquitto.url, mqtt_port=mosquitto.port, data_dir=data or data_dir,
                   log_path=log, **kw)
        made.append(b)
        if start:
            b.start()
        return b

    yield make
    for b in made:
        procs.terminate(b.proc, timeout=10)


@pytest.fixture
def charger_password() -> str:
    return make_password()


@pytest.fixture(autouse=True)
def _kill_children():
    yield
    procs.kill_all()
