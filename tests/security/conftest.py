"""Fixtures of the security tests: the authenticated Mosquitto, a hub on it, a hub with no broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from hub.settings import Settings
from tests.security import mosquitto
from tests.support import RunningHub, need, running_hub

VIEWER, OPERATOR = "viewer-secret-0f3a", "operator-secret-9c1e"
HubFactory = Callable[..., AbstractContextManager[RunningHub]]


@pytest.fixture
def web_hub(tmp_path: Path) -> Iterator[HubFactory]:
    """A hub with no broker: its HTTP face only, with the given settings."""
    def start(**values: Any) -> AbstractContextManager[RunningHub]:
        return running_hub(Settings(data_dir=tmp_path, **values))
    yield start


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[mosquitto.Mosquitto]:
    need(mosquitto.mosquitto_bin() is not None, "mosquitto binary (apt-get install mosquitto)")
    need((mosquitto.ROOT / "config" / "mosquitto.conf").exists(), "config/mosquitto.conf")
    broker = mosquitto.start_secure(tmp_path / "mosquitto")
    yield broker
    broker.stop()


@pytest.fixture
def hub_on_secure(secure_broker: mosquitto.Mosquitto, tmp_path: Path) -> Iterator[RunningHub]:
    """A hub on SQLite, logged in to the authenticated broker with the hub's own account."""
    settings = Settings(data_dir=tmp_path / "hub", mqtt=secure_broker.url("cityhub"), mqtt_v5=False,
                        mqtt_client_id=f"hub-{tmp_path.name}")
    with running_hub(settings) as running:
        assert running.hub.ingests["mqtt"].connected.wait(10), "hub did not log in to the secure broker"
        yield running
