"""A store failure in the middle of overlapped batches: with `CITYHUB_INGEST_OVERLAP=1` the worker's normalizer
prepares the next batches while the committer is stuck retrying one against a database that is gone. Nothing is
acknowledged before it is stored, acknowledgements stay in offset order in every partition (a Kafka commit of a
later offset would skip what lies before it), and once the database is back every event is stored exactly once.
The same test runs the sequential worker (the default) as well. A real tansu broker and a real PostgreSQL."""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from hub.transports.kafka.ingest import Token
from hub.transports.kafka.publisher import KafkaPublisher
from tests.hostile import postgres
from tests.support import need, running_hub, wait_for
from tests.transport.brokers import Tansu
from tests.transport.buses import KafkaBus
from tests.transport.events import TOPIC, batch

pytestmark = pytest.mark.integration


class Acks:
    """The worker's acknowledgements in the order it made them, each with what the database held just before."""

    def __init__(self, hub: Any) -> None:
        self.hub, self.worker = hub, hub.ingests["kafka"].worker
        self.made: list[tuple[int, list[Token]]] = []
        self.lock = threading.Lock()
        self.real = self.worker.ack
        self.worker.ack = self.record

    def record(self, tokens: list[Token]) -> None:
        in_store = self.hub.store.counts()  # the committer's thread: the batch's transaction is done
        with self.lock:
            self.made.append((in_store["events"] + in_store["deadletters"], list(tokens)))
        self.real(tokens)

    def count(self) -> int:
        with self.lock:
            return len(self.made)


def stored(hub: Any) -> int:
    return int(hub.pipeline.totals.stored)


@pytest.mark.parametrize("overlap", [True, False], ids=["overlap", "sequential"])
def test_database_killed_under_overlapped_batches_acknowledges_in_order_and_loses_nothing(
        tansu: Tansu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlap: bool) -> None:
    need(postgres.available() is None, str(postgres.available()))
    monkeypatch.setenv("CITYHUB_INGEST_OVERLAP", "1" if overlap else "0")
    database = postgres.OwnPostgres()
    try:
        database.start()
        database.create_database()
        sent = batch("overlap", 8000)
        settings = KafkaBus(tansu).hub_settings(tmp_path, db=database.url)
        with running_hub(settings) as running:
            hub = running.hub
            worker = hub.ingests["kafka"].worker
            assert worker.overlap is overlap
            acks = Acks(hub)
            publisher = KafkaPublisher(tansu.bootstrap, client_id="overlap-faults")
            try:
                publisher.publish(TOPIC, sent[:2000])
                publisher.flush()
                wait_for(lambda: stored(hub) == 2000, timeout=60, what="the first 2000 events stored")

                database.stop("immediate")  # every connection dies at once, mid-stream
                publisher.publish(TOPIC, sent[2000:])
                publisher.flush()
                wait_for(lambda: not worker.healthy, what="the worker to notice the database is gone")
                if overlap:  # batches prepared behind the failing one wait in the hand-off
                    wait_for(worker._handoff.full, what="a prepared batch waiting behind the failed one")
                before = acks.count()
                wait_for(lambda: worker.inbox.qsize() > 0 or worker._handoff.full(), what="batches held back")
                assert acks.count() == before and stored(hub) == 2000, "acknowledged with the database down"

                database.start()
                wait_for(lambda: stored(hub) == 8000, timeout=90, what="all 8000 events stored after the restart")
                assert worker.drain(30) and worker.healthy
            finally:
                publisher.close()

            assert hub.store.counts() == {"events": 8000, "deadletters": 0}
            assert hub.pipeline.totals.duplicates == 0
            offsets: dict[tuple[str, int], list[int]] = defaultdict(list)
            acknowledged = 0
            for in_store, tokens in acks.made:
                acknowledged += len(tokens)
                assert acknowledged <= in_store, "acknowledged before it was stored"
                for _, topic, partition, offset in tokens:
                    offsets[(topic, partition)].append(offset)
            assert acknowledged == 8000
            for key, seen in offsets.items():  # each offset once, in order, none skipped
                assert seen == list(range(seen[0], seen[0] + len(seen))), f"{key} acknowledged out of order"
                assert seen[0] == 0, f"{key} did not start at its first record"
    finally:
        database.destroy()
