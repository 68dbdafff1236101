"""The transport suite on the embedded amqtt broker of `cityhub demo` (MQTT 3.1.1), run as a process."""

from __future__ import annotations

import pytest

from tests.transport.base import TransportSuite
from tests.transport.brokers import Amqtt
from tests.transport.buses import Bus, EmbeddedBus


class TestEmbedded(TransportSuite):
    @pytest.fixture
    def bus(self, amqtt: Amqtt) -> Bus:
        return EmbeddedBus(amqtt)

    test_two_hub_workers_share_the_stream = None  # type: ignore[assignment]  # MQTT 3.1.1: no $share
