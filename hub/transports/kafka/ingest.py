"""Kafka ingest (librdkafka): consumer group `cityhub` on `city.events`, offsets committed after store.

At least once: auto-commit is off; a partition's offset is committed only after every record
before it has been stored or dead-lettered. A hub that dies replays from the last commit, and
dedup by (source, id) makes the replay change nothing. Records are keyed by source, so each
device's events stay in one partition and with the one hub worker that owns it; `on_assign`
and `on_revoke` let per-partition state (correlation) follow a rebalance. Normalized events
go to `city.events.normalized` (keyed by grid code), dead letters to `city.events.deadletter`.
A fetch that jumps past offsets never read is read again from the first one missing before anything
past it is committed (hub/transports/kafka/gaps.py: tansu skips a batch that way under two producers).

The consumer is librdkafka's: its fetching, decoding and group membership run in C threads that
do not hold the GIL, so the interpreter is left to the pipeline (docs/MEASUREMENTS.md has the
cost per record against kafka-python's consumer). The kafka-python options of `kafka_options`
are translated (`reader_config`); kafka-python still creates the topics (`ensure_topics`).
Imported only when Kafka is configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import confluent_kafka
from confluent_kafka import Consumer, KafkaException, TopicPartition

from hub.events import Message
from hub.pipeline.process import Pipeline
from hub.settings import BATCH_WAIT_MS, KAFKA_MAX_BATCH
from hub.transports.batching import BatchWorker
from hub.transports.kafka.client import fetched_end, reader_config, take_fetched
from hub.transports.kafka.gaps import OffsetGaps
from hub.transports.kafka.republish import (
    DEADLETTER,
    NORMALIZED,
    TOPIC,
    Republisher,
    ensure_topics,
)

log = logging.getLogger(__name__)
FETCH_WAIT_MS = 10  # how long a broker may hold a fetch for records (tansu holds it all that time)
# librdkafka fetches ahead into its own queue, by default up to 64 MiB; behind a backlog (where the inbox
# is full and the poll thread waits) that is memory held for records the worker reaches seconds later.
# 16 MiB is ≈ 35,000 records of 450 bytes, two seconds of a worker at full speed.
PREFETCH_KIB = 16 * 1024
# Once that queue is full, librdkafka waits this long before it fetches again (its default, 1 s, showed as
# a second of latency on the map behind a backlog)
FETCH_QUEUE_BACKOFF_MS = 20
MOST_PER_POLL = 1000  # records taken from librdkafka's queue at a time, one hand-off to the worker
# Stored offsets go to the group coordinator at most this often: a commit is a request, and one after every
# stored batch costs a worker CPU it needs for the pipeline. A partition taken by another worker replays up
# to this much more (dedup by source and id keeps that harmless). Closing commits whatever is stored, however soon.
COMMIT_EVERY_S = 0.1
# A rebalance that began (partitions revoked) and brought no assignment within this many seconds is
# taken as stuck and the consumer is made anew. kafka-python 3.0 could end a rejoin without ever calling
# the assignment callback (a JoinGroup answer arriving after `poll`'s timeout was never taken up);
# librdkafka has not been seen to, and the watchdog stays as a guard: a consumer left in the group with
# no partitions for good would be a silent outage. A normal rebalance ends within the session timeout
# (6 s) plus the broker's join delay.
REJOIN_TIMEOUT_S = 30.0
TOPIC_CHECK_S = 10.0  # with no partitions, how often the topics are checked (and made again if gone)
__all__ = ["DEADLETTER", "NORMALIZED", "TOPIC", "KafkaIngest"]
Token = tuple[int, str, int, int]  # consumer incarnation, topic, partition, offset
PartitionHook = Callable[[set[int]], None]


class KafkaIngest:
    def __init__(self, pipeline: Pipeline, bootstrap: str, group: str = "cityhub", *, topic: str = TOPIC,
                 partitions: int = 6, client_id: str = "cityhub", fetch_wait_ms: int = FETCH_WAIT_MS,
                 max_batch: int = KAFKA_MAX_BATCH, batch_wait_s: float = BATCH_WAIT_MS / 1000,
                 **client_options: Any) -> None:
        """`client_options` are kafka-python's names (security_protocol, sasl_*, ssl_* …), translated for
        librdkafka; one with no librdkafka equivalent (an `ssl_context` object …) is refused here."""
        self.bootstrap, self.group, self.topic, self.partitions = bootstrap, group, topic, partitions
        self.fetch_wait_ms = fetch_wait_ms
        self.client_options = {"bootstrap_servers": bootstrap.split(","), "client_id": client_id,
                               "bootstrap_timeout_ms": 5000} | client_options
        self.librdkafka = reader_config(self.client_options)
        self.worker: BatchWorker[Token] = BatchWorker(pipeline, self._ack, name="kafka-ingest",
                                                      max_batch=max_batch, max_wait_s=batch_wait_s)
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
        self.gaps = OffsetGaps()  # the next offset to read per partition (also for the lag), and fetches that skipped
        self._error_logged: dict[str, float] = {}  # client error → when last logged
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

    def consumer_config(self) -> dict[str, Any]:
        """librdkafka's properties for the group consumer."""
        return self.librdkafka | {
            "group.id": self.group, "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 2000, "fetch.wait.max.ms": self.fetch_wait_ms,
            "queued.max.messages.kbytes": PREFETCH_KIB, "fetch.queue.backoff.ms": FETCH_QUEUE_BACKOFF_MS,
            "topic.metadata.refresh.interval.ms": 5000, "reconnect.backoff.max.ms": 5000,
            "allow.auto.create.topics": False, "on_commit": self._committed, "error_cb": self._client_error,
            "logger": log, "log.connection.close": False}

    def _consumer(self) -> Consumer:
        consumer = Consumer(self.consumer_config())
        self._incarnation += 1
        self._rebalancing_since = time.monotonic()
        consumer.subscribe([self.topic], on_assign=lambda c, tps: self._assigned(tps),
                           on_revoke=lambda c, tps: self._revoked(tps), on_lost=lambda c, tps: self._revoked(tps))
        return consumer

    def _poll(self, consumer: Consumer) -> None:
        incarnation = self._incarnation
        checked = time.monotonic()
        while not self._stopping.is_set():
            if not self.assignment and time.monotonic() - checked > TOPIC_CHECK_S:
                checked = time.monotonic()
                try:  # gone, e.g. a broker that lost its data: make it again, the group rejoins on it
                    ensure_topics(self.client_options, self.topic, self.partitions)
                except Exception as err:
                    log.warning("Kafka topic check failed (%s: %s)", type(err).__name__, err)
            self._check_rebalance()
            polled = take_fetched(consumer, MOST_PER_POLL, 0.2)
            now = time.time()
            pairs: list[tuple[Message, Token]] = []
            add = pairs.append
            seen = self.gaps.seen
            for r in polled:
                error = r.error()
                if error is not None:
                    self._record_error(error)
                    continue
                topic, partition, offset, headers = r.topic(), r.partition(), r.offset(), r.headers()
                seen((topic, partition), offset)
                message = Message(r.value() or b"", topic, "kafka", partition, offset,
                                  tuple((k, v or b"") for k, v in headers) if headers else (), now)
                add((message, (incarnation, topic, partition, offset)))
            if pairs:
                self.worker.put_many(pairs)  # one hand-off per poll; blocks while the worker is full
            if self.gaps.open:  # a jump found now, or one whose seek was refused before
                self._reread(consumer)
            if time.monotonic() - self._committed_at >= COMMIT_EVERY_S:
                self._commit(consumer)
            self.lag = self._lag(consumer)

    def _reread(self, consumer: Consumer) -> None:
        """Send the consumer back to the first offset a fetch skipped (hub/transports/kafka/gaps.py)."""
        for (topic, partition), start in self.gaps.to_seek():
            try:
                consumer.seek(TopicPartition(topic, partition, start))
            except KafkaException as err:
                if partition in self.assignment:  # between fetch states: after the next poll
                    self.gaps.unsought((topic, partition))
                    log.debug("re-reading %s[%d] from %d deferred (%s)", topic, partition, start, err)
                else:  # no longer ours: its next owner starts from the committed offset, before the gap
                    self.gaps.forget({(topic, partition)})

    def _record_error(self, error: confluent_kafka.KafkaError) -> None:
        """A consumer error: fatal ones make the consumer anew; the rest (a topic gone, a broker away)
        librdkafka recovers from by itself, and they are logged at most every 10 s each."""
        if error.fatal():
            raise KafkaException(error)
        self._client_error(error)

    def _client_error(self, error: confluent_kafka.KafkaError) -> None:
        """librdkafka reconnects by itself; a broker away longer than the session loses the assignment
        (`on_lost`), which is when `connected` turns false."""
        name, now = error.name(), time.monotonic()
        if now - self._error_logged.get(name, -1e9) >= 10:
            self._error_logged[name] = now
            log.warning("Kafka consumer: %s", error.str())

    def _check_rebalance(self) -> None:
        began = self._rebalancing_since
        if began is not None and time.monotonic() - began > self.rejoin_timeout_s:
            self.stuck_rejoins += 1
            raise KafkaException(f"no partitions assigned within {self.rejoin_timeout_s:.0f} s of the last "
                                 "rebalance; making the consumer anew")

    def _lag(self, consumer: Consumer) -> int | None:
        """From what the last fetches said (no request of its own): high watermark minus position."""
        total = 0
        topic, read = self.topic, self.gaps.expected
        for partition in self.assignment:
            done = read.get((topic, partition))
            if done is None:
                continue
            high = fetched_end(consumer, topic, partition)
            if high >= 0:
                total += max(0, high - done)
        return total

    def status(self) -> dict[str, Any]:
        return {"connected": self.connected, "healthy": self.worker.healthy, "backlog": self.worker.inbox.qsize(),
                "partitions": sorted(self.assignment), "lag": self.lag, "last_stored_at": self.worker.last_stored_at,
                "offset_gaps": self.gaps.status()}

    def _close(self, consumer: Consumer) -> None:
        if self._stopping.is_set():
            self.worker.stop()  # store what is in hand, then commit it
            try:
                self._commit(consumer, wait=True)
            except Exception as err:
                log.warning("final Kafka commit failed (%s); those records will be replayed", err)
        try:
            consumer.close()  # leaves the group at once: the others take the partitions without the session timeout
        except Exception:
            log.debug("closing the Kafka consumer", exc_info=True)
        self.assignment = set()

    def _commit(self, consumer: Consumer, *, wait: bool = False) -> None:
        """Send what is stored; answers come back through `_committed`, inside a later poll."""
        self._committed_at = time.monotonic()
        with self._stored_lock:
            ready, self._stored = self._stored, {}
        owned, limit = self.assignment, self.gaps.commit_limit
        offsets = [TopicPartition(t, p, o if (most := limit((t, p))) is None else min(o, most))
                   for (t, p), o in ready.items() if t == self.topic and p in owned]
        if not offsets:
            return
        try:
            if wait:
                consumer.commit(offsets=offsets, asynchronous=False)
            else:
                consumer.commit(offsets=offsets, asynchronous=True)
        except KafkaException as err:  # e.g. a rebalance took the partition: its new owner replays, dedup holds
            log.warning("Kafka offset commit failed (%s); those records will be read again", err)

    def _committed(self, error: Any, partitions: list[TopicPartition]) -> None:
        if error is not None or any(tp.error for tp in partitions):
            log.warning("Kafka offset commit failed (%s); those records will be read again",
                        error or next(tp.error for tp in partitions if tp.error))

    def _assigned(self, assigned: list[TopicPartition]) -> None:
        """Called inside `poll` on the poll thread. librdkafka starts each partition at its committed offset
        (the beginning when none), not where an earlier assignment of it had got to."""
        self.assignment = {tp.partition for tp in assigned}
        self.gaps.forget({(tp.topic, tp.partition) for tp in assigned})
        self.connected = True
        self._rebalancing_since = None
        self.rebalances += 1
        log.info("Kafka partitions of %s assigned to this hub: %s", self.topic, sorted(self.assignment))
        for hook in self.on_assign:
            hook(self.assignment)

    def _revoked(self, revoked: list[TopicPartition]) -> None:
        """Called inside `poll` on the poll thread (also when the assignment was lost: the session ended
        without us). Stored offsets are committed every COMMIT_EVERY_S, so the next owner replays at most
        the last moments of the partition; dedup makes that harmless."""
        partitions = {tp.partition for tp in revoked}
        self.connected = False
        self.assignment = self.assignment - partitions
        self.gaps.forget({(tp.topic, tp.partition) for tp in revoked})
        self._rebalancing_since = time.monotonic()
        log.info("Kafka partitions of %s revoked: %s", self.topic, sorted(partitions))
        for hook in self.on_revoke:
            hook(partitions)

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
