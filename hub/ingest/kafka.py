"""Kafka ingest with kafka-python: consumer group `cityhub` on `city.events`, offsets committed after store.

At least once: auto-commit is off; a partition's offset is committed only after every record
before it has been stored or dead-lettered. A hub that dies replays from the last commit, and
dedup by (source, id) makes the replay change nothing. Records are keyed by source, so each
device's events stay in one partition and with the one hub worker that owns it; `on_assign`
and `on_revoke` let per-partition state (correlation) follow a rebalance. Normalized events
go to `city.events.normalized` (keyed by grid code), dead letters to `city.events.deadletter`.

kafka-python is imported here only, and this module only when Kafka is configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from hub.events import Message
from hub.ingest.batching import BatchWorker
from hub.ingest.kafka_out import DEADLETTER, NORMALIZED, TOPIC, Republisher, ensure_topics
from hub.pipeline import Pipeline

log = logging.getLogger(__name__)
FETCH_WAIT_MS = 20  # a broker may hold a fetch this long waiting for records (default 500: that was the latency)
# Stored offsets go to the group coordinator at most this often. A commit is a request and a wait for its
# answer; after every stored batch, at a steady 2,500 events/s (≈ 100 polls a second), the consumer took
# ≈ 48 % of a core here, ≈ 37 % with this. A partition taken by another worker replays up to this much
# more (dedup by source and id keeps that harmless). Closing commits whatever is stored, however soon.
COMMIT_EVERY_S = 0.1
# A rebalance that began (partitions revoked) and brought no assignment within this many seconds is
# taken as stuck and the consumer is made anew. kafka-python 3.0 can end a rejoin without ever calling
# the assignment callback: when the rejoin was asked for only because the topic's partitions changed
# (a broker that came back empty, a topic recreated) and the JoinGroup answer (tansu holds it 3 s)
# arrives after `poll`'s timeout, the finished join is never taken up and the consumer sits in the
# group with no partitions, for good. A normal rebalance ends within the session timeout (6 s) plus
# the broker's join delay.
REJOIN_TIMEOUT_S = 30.0
__all__ = ["DEADLETTER", "NORMALIZED", "TOPIC", "KafkaIngest"]
Token = tuple[int, str, int, int]  # consumer incarnation, topic, partition, offset
PartitionHook = Callable[[set[int]], None]


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, ingest: KafkaIngest) -> None:
        self.ingest = ingest

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.ingest._revoked(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.ingest._assigned(assigned)


class KafkaIngest:
    def __init__(self, pipeline: Pipeline, bootstrap: str, group: str = "cityhub", *, topic: str = TOPIC,
                 partitions: int = 6, client_id: str = "cityhub", fetch_wait_ms: int = FETCH_WAIT_MS,
                 **client_options: Any) -> None:
        """`client_options` go to kafka-python as they are (security_protocol, sasl_*, ssl_* …)."""
        self.bootstrap, self.group, self.topic, self.partitions = bootstrap, group, topic, partitions
        self.fetch_wait_ms = fetch_wait_ms
        self.client_options = {"bootstrap_servers": bootstrap.split(","), "client_id": client_id,
                               "bootstrap_timeout_ms": 5000} | client_options
        self.worker: BatchWorker[Token] = BatchWorker(pipeline, self._ack, name="kafka-ingest")
        self.assignment: set[int] = set()
        self.rebalances = 0  # assignments received so far; a rejoin after a broker restart makes it grow
        self.connected = False  # in the consumer group with partitions assigned
        self.rejoin_timeout_s = REJOIN_TIMEOUT_S
        self.stuck_rejoins = 0  # consumers made anew because a rebalance never ended
        self._rebalancing_since: float | None = None  # monotonic time a join began and has not ended
        self.lag: int | None = None  # records in the assigned partitions not yet read, as of the last fetch
        self.on_assign: list[PartitionHook] = []
        self.on_revoke: list[PartitionHook] = []
        self.republish = Republisher()
        self._incarnation = 0  # a new consumer after an error starts from the committed offsets again
        self._stored: dict[tuple[str, int], int] = {}  # next offset to commit, per partition
        self._committed_at = 0.0  # monotonic time of the last commit request
        self._stored_lock = threading.Lock()
        self._read: dict[TopicPartition, int] = {}  # next offset to read, per partition (for the lag)
        self._unpositioned: set[TopicPartition] = set()  # assigned, not yet moved to their committed offset
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kafka-poll", daemon=True)
        pipeline.sinks.append(self.republish)

    def start(self) -> None:
        self.worker.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop polling, store and commit what is in hand, close the clients."""
        self._stopping.set()
        self._thread.join(30)

    # -- the polling thread: the only one that touches the consumer --------------------------------

    def _run(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            consumer = None
            try:
                ensure_topics(self.client_options, self.topic, self.partitions)
                self.republish.open(self.client_options)
                consumer = self._consumer()
                delay = 1.0
                self._poll(consumer)
            except Exception as err:  # broker away, auth failure, …: retry with backoff, never crash
                self.connected = False
                log.warning("Kafka ingest from %s failed (%s: %s); retrying in %.0f s",
                            self.bootstrap, type(err).__name__, err, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 30)
            finally:
                if consumer is not None:
                    self._close(consumer)
        self.worker.stop()  # if no consumer was ever made (broker away), still stop the worker
        self.republish.close()

    def _consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            group_id=self.group, enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=6000, heartbeat_interval_ms=2000, max_poll_records=1000,
            metadata_max_age_ms=10_000, reconnect_backoff_max_ms=5000, allow_auto_create_topics=False,
            fetch_max_wait_ms=self.fetch_wait_ms, **self.client_options)
        self._incarnation += 1
        self._rebalancing_since = time.monotonic()
        consumer.subscribe([self.topic], listener=_Rebalance(self))
        return consumer

    def _poll(self, consumer: KafkaConsumer) -> None:
        incarnation = self._incarnation
        checked = time.monotonic()
        while not self._stopping.is_set():
            if not self.assignment and time.monotonic() - checked > 10:
                checked = time.monotonic()
                try:
                    if not consumer.partitions_for_topic(self.topic):  # gone, e.g. a broker that lost its data
                        ensure_topics(self.client_options, self.topic, self.partitions)
                except Exception as err:
                    log.warning("Kafka topic check failed (%s: %s)", type(err).__name__, err)
            self._check_rebalance()
            polled = consumer.poll(timeout_ms=200)
            if self._unpositioned:
                with self._stored_lock:
                    fresh, self._unpositioned = self._unpositioned, set()
                self._position(consumer, fresh)
                polled = {tp: records for tp, records in polled.items() if tp not in fresh}
            now = time.time()
            pairs: list[tuple[Message, Token]] = []
            add = pairs.append
            for tp, records in polled.items():
                self._read[tp] = records[-1].offset + 1
                topic, partition = tp.topic, tp.partition
                for r in records:
                    offset, headers = r.offset, r.headers
                    message = Message(r.value or b"", topic, "kafka", partition, offset,
                                      tuple((k, v or b"") for k, v in headers) if headers else (), now)
                    add((message, (incarnation, topic, partition, offset)))
            if pairs:
                self.worker.put_many(pairs)  # one hand-off per poll; blocks while the worker is full
            if time.monotonic() - self._committed_at >= COMMIT_EVERY_S:
                self._commit(consumer)
            self.lag = self._lag(consumer)

    def _check_rebalance(self) -> None:
        began = self._rebalancing_since
        if began is not None and time.monotonic() - began > self.rejoin_timeout_s:
            self.stuck_rejoins += 1
            raise KafkaError(f"no partitions assigned within {self.rejoin_timeout_s:.0f} s of the last rebalance; "
                             "making the consumer anew")

    def _lag(self, consumer: KafkaConsumer) -> int | None:
        """From what the last fetches said (no request of its own): high watermark minus position."""
        total = 0
        for tp in consumer.assignment():
            high, read = consumer.highwater(tp), self._read.get(tp)
            if high is None or read is None:
                continue
            total += max(0, high - read)
        return total

    def status(self) -> dict[str, Any]:
        return {"connected": self.connected, "healthy": self.worker.healthy, "backlog": self.worker.inbox.qsize(),
                "partitions": sorted(self.assignment), "lag": self.lag, "last_stored_at": self.worker.last_stored_at}

    def _close(self, consumer: KafkaConsumer) -> None:
        if self._stopping.is_set():
            self.worker.stop()  # store what is in hand, then commit it
            try:
                self._commit(consumer)
            except Exception as err:
                log.warning("final Kafka commit failed (%s); those records will be replayed", err)
        try:
            consumer.close(autocommit=False)
        except Exception:
            log.debug("closing the Kafka consumer", exc_info=True)
        self.assignment = set()

    def _commit(self, consumer: KafkaConsumer) -> None:
        self._committed_at = time.monotonic()
        with self._stored_lock:
            ready, self._stored = self._stored, {}
        owned = {(tp.topic, tp.partition) for tp in consumer.assignment()}
        offsets = {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in ready.items() if (t, p) in owned}
        if not offsets:
            return
        try:
            consumer.commit(offsets)
        except KafkaError as err:  # e.g. a rebalance took the partition: its new owner replays, dedup holds
            log.warning("Kafka offset commit failed (%s: %s); those records will be read again",
                        type(err).__name__, err)

    def _assigned(self, assigned: Any) -> None:
        """Called inside `poll` on kafka-python's IO thread, which must not block: the partitions are
        positioned by the poll thread right after (`_position`)."""
        with self._stored_lock:
            self._unpositioned |= set(assigned)
        self.assignment = {tp.partition for tp in assigned}
        self.connected = True
        self._rebalancing_since = None
        self.rebalances += 1
        log.info("Kafka partitions of %s assigned to this hub: %s", self.topic, sorted(self.assignment))
        for hook in self.on_assign:
            hook(self.assignment)

    def _revoked(self, revoked: Any) -> None:
        """Called inside `poll` on the IO thread. Stored offsets are committed every COMMIT_EVERY_S, so the
        next owner replays at most the last moments of the partition; dedup makes that harmless."""
        partitions = {tp.partition for tp in revoked}
        self.connected = False
        self.assignment = self.assignment - partitions
        self._rebalancing_since = time.monotonic()
        log.info("Kafka partitions of %s revoked: %s", self.topic, sorted(partitions))
        for hook in self.on_revoke:
            hook(partitions)

    def _position(self, consumer: KafkaConsumer, partitions: set[TopicPartition]) -> None:
        """Start each newly assigned partition at its committed offset (the beginning if none). The client
        would keep the old position of a partition it had before, which, after the topic was recreated
        or a broker lost its data, points past records nobody has read."""
        owned = consumer.assignment()
        for tp in partitions & owned:
            committed = consumer.committed(tp)
            if committed is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, committed)

    # -- the worker thread --------------------------------------------------------------------------

    def _ack(self, tokens: list[Token]) -> None:
        """After the batch is stored: remember the next offset of each partition for the poll thread."""
        latest: dict[tuple[str, int], int] = {}
        with self._stored_lock:
            current = self._incarnation
            for incarnation, topic, partition, offset in tokens:
                if incarnation == current:  # else a later consumer re-reads it from the committed offset
                    key = (topic, partition)  # a partition re-assigned and re-read may repeat lower offsets
                    if offset >= latest.get(key, -1):
                        latest[key] = offset
            stored = self._stored
            for key, offset in latest.items():
                stored[key] = max(stored.get(key, 0), offset + 1)
