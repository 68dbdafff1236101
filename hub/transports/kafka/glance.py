"""The fresh view's look at Kafka (hub.transports.fresh_view): the newest records of the worker's partitions.

A consumer outside the group (it commits nothing and moves no one's offsets), assigned the partitions
this worker owns when the view opens (a map/API instance: every partition of the topic) and placed
at their ends. Each take reads what was appended since the last one and keeps the newest of each
partition. Should the view itself fall far behind (starved of CPU by the store lane), it jumps to
near the end rather than show old records.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from confluent_kafka import OFFSET_END, Consumer, KafkaException, TopicPartition

from hub.events import Message
from hub.transports.kafka.client import fetched_end, reader_config, take_fetched
from hub.transports.kafka.ingest import FETCH_QUEUE_BACKOFF_MS, FETCH_WAIT_MS

log = logging.getLogger(__name__)
POLL_S = 0.02  # how long a take waits for a first record
MOST_READ = 20_000  # records one take may read (a tenth of a second at 200,000/s)
# librdkafka's queue ahead of a take: small, since a glance keeps only the newest and skips the rest
PREFETCH_KIB = 2048
FAR_BEHIND = 5  # × what a take keeps: a partition this far behind its end is skipped forward


class KafkaGlance:
    def __init__(self, client_options: dict[str, Any], topic: str, partitions: set[int] | None = None) -> None:
        """`partitions` None: all of the topic's. librdkafka, as the ingest (hub.transports.kafka.ingest):
        what the glance passes over costs C, not the interpreter the store lane needs."""
        # assign() joins no group and nothing is committed; librdkafka wants a group id all the same
        self.consumer = Consumer(reader_config(client_options) | {
            "group.id": f"cityhub-glance-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False,
            "fetch.wait.max.ms": FETCH_WAIT_MS, "queued.max.messages.kbytes": PREFETCH_KIB,
            "fetch.queue.backoff.ms": FETCH_QUEUE_BACKOFF_MS, "logger": log, "log.connection.close": False})
        if partitions is None:
            meta = self.consumer.list_topics(topic, timeout=10).topics.get(topic)
            partitions = set(meta.partitions) if meta is not None and meta.error is None else set()
        self.topic = topic
        self.partitions = sorted(partitions)
        self.consumer.assign([TopicPartition(topic, p, OFFSET_END) for p in self.partitions])
        log.info("fresh view: the newest records of %s partitions %s", topic, self.partitions)

    def take(self, most: int) -> tuple[list[Message], int]:
        if not self.partitions:  # the worker owned none when the view opened
            return [], 0
        by_partition: dict[int, list[Any]] = {}
        for r in take_fetched(self.consumer, MOST_READ, POLL_S):
            if r.error() is None:
                by_partition.setdefault(r.partition(), []).append(r)
        if not by_partition:
            return [], 0
        share = max(1, most // len(by_partition))
        messages: list[Message] = []
        passed_over = 0
        for partition, records in by_partition.items():
            passed_over += max(0, len(records) - share)
            for r in records[-share:]:
                headers = r.headers()
                messages.append(Message(r.value() or b"", self.topic, "kafka", partition, r.offset(),
                                        tuple((k, v or b"") for k, v in headers) if headers else ()))
            read_to = records[-1].offset() + 1
            end = fetched_end(self.consumer, self.topic, partition)
            if end >= 0 and end - read_to > FAR_BEHIND * share:
                try:
                    self.consumer.seek(TopicPartition(self.topic, partition, end - share))
                    passed_over += end - share - read_to
                except KafkaException as err:  # a seek while the partition is between fetch states: next take
                    log.debug("fresh view: seek on %s/%d skipped (%s)", self.topic, partition, err)
        return messages, passed_over

    def close(self) -> None:
        self.consumer.close()
