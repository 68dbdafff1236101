"""The transport suite on Kafka (tansu), consumer group `cityhub`, offsets committed after store."""

from __future__ import annotations

import pytest

from tests.transport.base import TransportSuite
from tests.transport.brokers import Tansu
from tests.transport.buses import Bus, KafkaBus


class TestKafka(TransportSuite):
    @pytest.fixture
    def bus(self, tansu: Tansu) -> Bus:
        return KafkaBus(tansu)
