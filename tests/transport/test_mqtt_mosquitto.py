"""The transport suite on Mosquitto (MQTT 5, persistent session, the project's config)."""

from __future__ import annotations

import pytest

from tests.transport.base import TransportSuite
from tests.transport.brokers import Mosquitto
from tests.transport.buses import Bus, MosquittoBus


class TestMosquitto(TransportSuite):
    @pytest.fixture
    def bus(self, mosquitto: Mosquitto) -> Bus:
        return MosquittoBus(mosquitto)
