"""Fixtures shared by every test folder. Folders add their own in their own conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from tests.incidents.pg import drop_templates
from tests.support import RunningHub, free_port, running_hub


def pytest_sessionfinish() -> None:
    drop_templates()  # the session's PostGIS template database, if a test made one


@pytest.fixture
def embedded_broker() -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker(free_port())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def hub_on_embedded(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningHub]:
    """A hub on SQLite in tmp_path, subscribed to the embedded broker."""
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False,
                        mqtt_client_id=f"hub-{tmp_path.name}")
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running
