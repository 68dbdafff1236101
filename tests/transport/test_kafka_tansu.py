"""The transport suite on Kafka (tansu), consumer group `cityhub`, offsets committed after store."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from hub.runtime import Hub
from hub.settings import Settings
from hub.transports.kafka.ingest import COMMIT_EVERY_S, FETCH_WAIT_MS, REJOIN_TIMEOUT_S
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
        """kafka-python 3.0 can end a rejoin without assigning anything (hub/transports/kafka/ingest.py says when); a
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

    def test_stored_offsets_are_committed_every_so_often_not_after_every_batch(self, hub: RunningHub,
                                                                                publisher: Publisher) -> None:
        """A commit is a request and a wait for its answer: one after every stored batch cost a steady stream
        more than its records. Commits go out at most every COMMIT_EVERY_S, and in the end all that was
        stored is committed (a replacement worker starts there)."""
        from kafka import KafkaConsumer, TopicPartition

        ingest = ingest_of(hub)
        commit, made = ingest._commit, []

        def counted(consumer: Any, **options: Any) -> None:
            made.append(time.monotonic())
            commit(consumer, **options)

        ingest._commit = counted
        batches = ingest.worker.batches
        sent = batch("steady", 300)
        for start in range(0, len(sent), 10):  # a steady trickle: many small batches
            publisher.publish(TOPIC, sent[start:start + 10])
            publisher.flush()
            time.sleep(0.03)
        await_stored(db_of(hub), "steady", 300)
        assert_exactly_once(db_of(hub), sent, "steady")
        stored_batches = ingest.worker.batches - batches
        group = KafkaConsumer(bootstrap_servers=ingest.bootstrap, group_id=ingest.group, enable_auto_commit=False)
        try:  # not subscribed: it only asks the coordinator what the hub's group has committed
            read = {TopicPartition(t, p): offset for (t, p), offset in ingest.gaps.expected.items()}
            wait_for(lambda: all(group.committed(tp) == offset for tp, offset in read.items()), timeout=10,
                     what="every stored offset committed")
        finally:
            group.close(autocommit=False)
        gaps = [b - a for a, b in itertools.pairwise(made)]
        assert stored_batches >= 15, f"only {stored_batches} batches: not the steady trickle this is about"
        assert len(made) < stored_batches and min(gaps) >= COMMIT_EVERY_S * 0.99

    def test_offsets_a_fetch_jumps_over_are_read_again_and_a_real_gap_is_accepted(self, hub: RunningHub) -> None:
        """A transaction's commit marker takes an offset no consumer is given: to the hub it is a fetch that
        jumped one offset. It reads again from there once, finds the same jump, accepts it, and stores every
        event exactly once (a fetch that skipped records it should have had is settled the same way, and
        finds them: hub/transports/kafka/gaps.py)."""
        import orjson
        from confluent_kafka import Producer

        ingest = ingest_of(hub)
        producer = Producer({"bootstrap.servers": ingest.bootstrap, "transactional.id": "gaps"})
        producer.init_transactions(10)
        sent = batch("marked", 60)
        for start in (0, 20, 40):
            producer.begin_transaction()
            for event in sent[start:start + 20]:
                producer.produce(ingest.topic, orjson.dumps(event), key=event["source"].encode(), partition=0)
            producer.commit_transaction(10)
            await_stored(db_of(hub), "marked", start + 20)
        assert_exactly_once(db_of(hub), sent, "marked")
        # the markers after the first two transactions were each followed by records: two jumps, both real
        wait_for(lambda: ingest.gaps.status() == {"found": 2, "recovered": 0, "accepted": 2}, timeout=10,
                 what=f"two gaps read again and accepted (now {ingest.gaps.status()})")
        assert hub.get("/healthz").json()["transports"]["kafka"]["offset_gaps"]["accepted"] == 2
        assert ingest.gaps.commit_limit((ingest.topic, 0)) is None


def test_the_fetch_wait_is_the_deployments_to_choose(tansu: Tansu, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """tansu answers a fetch only when its wait ends, Apache Kafka as records come: 10 ms unless the
    deployment says otherwise (docker-compose.yml, on Apache Kafka, says 500)."""
    assert Settings(data_dir=tmp_path).kafka_fetch_wait_ms == FETCH_WAIT_MS == 10
    monkeypatch.setenv("CITYHUB_KAFKA_FETCH_WAIT_MS", "500")
    hub = Hub(Settings(data_dir=tmp_path, kafka=tansu.bootstrap))
    try:
        assert hub.ingests["kafka"].consumer_config()["fetch.wait.max.ms"] == 500
    finally:  # never started: nothing of the ingest runs
        hub.incidents.close()
        hub.store.close()
