"""Fixtures of the hostile-input tests: an open Mosquitto with the project's config (its packet limit
raised above 10 MB, so the hub's own limit is what refuses an oversize payload) and a hub process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.hubproc import HubProcess, start_hub
from tests.hostile.make_corpus import MAX_AGE_DAYS
from tests.security import mosquitto
from tests.support import need

PROJECT_CONF = mosquitto.ROOT / "config" / "mosquitto.conf"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[mosquitto.Mosquitto]:
    """Mosquitto with the project's config as it is."""
    need(mosquitto.mosquitto_bin() is not None, "mosquitto binary (apt-get install mosquitto)")
    broker = mosquitto.start(PROJECT_CONF.read_text(encoding="utf-8"), tmp_path / "mosquitto")
    yield broker
    broker.stop()


@pytest.fixture
def big_packet_broker(tmp_path: Path) -> Iterator[mosquitto.Mosquitto]:
    need(mosquitto.mosquitto_bin() is not None, "mosquitto binary (apt-get install mosquitto)")
    need(PROJECT_CONF.exists(), "config/mosquitto.conf")
    broker = mosquitto.start(PROJECT_CONF.read_text(encoding="utf-8"), tmp_path / "mosquitto",
                             extra=("max_packet_size 16777216",))
    yield broker
    broker.stop()


@pytest.fixture
def hub_process(big_packet_broker: mosquitto.Mosquitto, tmp_path: Path) -> Iterator[HubProcess]:
    hub = start_hub(tmp_path / "hub", mqtt=big_packet_broker.url(), max_age_days=MAX_AGE_DAYS)
    yield hub
    hub.stop()
