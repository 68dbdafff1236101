"""The transport suite on Kafka (tansu), consumer group `cityhub`, offsets committed after store."""

from __future__ import annotations

import pytest

from hub.ingest.kafka import REJOIN_TIMEOUT_S
from tests.support import RunningHub, wait_for
from tests.transport.base import TransportSuite
from tests.transport.brokers import Tansu
from tests.transport.buses import Bus, KafkaBus, Publisher
from tests.transport.checks import assert_exactly_once, await_stored, db_of, ingest_of
from tests.transport.events import TOPIC, batch


class TestKafka(TransportSuite):
    @pytest.fixture
    def bus(self, tansu: Tansu) -> Bus:
        return KafkaBus(tansu)

    def test_a_rebalance_that_never_ends_is_given_up(self, hub: RunningHub, publisher: Publisher) -> None:
        """kafka-python 3.0 can end a rejoin without assigning anything (hub/ingest/kafka.py says when); a
        consumer left in the group with no partitions is made anew, and the stream goes on exactly once."""
        ingest = ingest_of(hub)
        first = batch("stuck", 100)
        publisher.publish(TOPIC, first)
        publisher.flush()
        await_stored(db_of(hub), "stuck", 100)
        before = ingest.rebalances
        ingest.rejoin_timeout_s = 3.0
        ingest._revoked([])  # what the library calls when a rebalance begins; here no assignment follows
        wait_for(lambda: ingest.stuck_rejoins >= 1, timeout=30, what="the stuck consumer given up")
        ingest.rejoin_timeout_s = REJOIN_TIMEOUT_S  # the new consumer's join (tansu holds it 3 s) takes its time
        wait_for(lambda: ingest.rebalances > before, timeout=60, what="a new consumer with partitions")
        second = batch("stuck", 100, start=100)
        publisher.publish(TOPIC, second)
        publisher.flush()
        await_stored(db_of(hub), "stuck", 200)
        assert_exactly_once(db_of(hub), first + second, "stuck")
        assert ingest.stuck_rejoins == 1, "a rebalance that did end was taken for a stuck one"
