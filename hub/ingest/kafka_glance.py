"""The fresh view's look at Kafka (hub.ingest.fresh_view): the newest records of the worker's partitions.

A consumer outside the group (it commits nothing and moves no one's offsets), assigned the partitions
this worker owns when the view opens (a map/API instance: every partition of the topic) and placed
at their ends. Each take reads what was appended since the last one and keeps the newest of each
partition. Should the view itself fall far behind (starved of CPU by the store lane), it jumps to
near the end rather than show old records.
"""

from __future__ import annotations

import logging
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from hub.events import Message
from hub.ingest.kafka import FETCH_WAIT_MS

log = logging.getLogger(__name__)
POLL_MS = 20  # how long a take waits for a fetch
MOST_READ = 20_000  # records one take may read (a tenth of a second at 200,000/s)
FAR_BEHIND = 5  # × what a take keeps: a partition this far behind its end is skipped forward


class KafkaGlance:
    def __init__(self, client_options: dict[str, Any], topic: str, partitions: set[int] | None = None) -> None:
        """`partitions` None: all of the topic's."""
        self.consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, fetch_max_wait_ms=FETCH_WAIT_MS,
                                      **client_options)
        if partitions is None:
            partitions = self.consumer.partitions_for_topic(topic) or set()
        self.partitions = [TopicPartition(topic, p) for p in sorted(partitions)]
        self.consumer.assign(self.partitions)
        self.consumer.seek_to_end()
        log.info("fresh view: the newest records of %s partitions %s", topic, sorted(partitions))

    def take(self, most: int) -> tuple[list[Message], int]:
        if not self.partitions:  # the worker owned none when the view opened
            return [], 0
        polled = self.consumer.poll(timeout_ms=POLL_MS, max_records=MOST_READ)
        if not polled:
            return [], 0
        share = max(1, most // len(polled))
        messages: list[Message] = []
        passed_over = 0
        for tp, records in polled.items():
            passed_over += max(0, len(records) - share)
            for r in records[-share:]:
                headers = tuple((k, v or b"") for k, v in r.headers) if r.headers else ()
                messages.append(Message(r.value or b"", tp.topic, "kafka", tp.partition, r.offset, headers))
            read_to, end = records[-1].offset + 1, self.consumer.highwater(tp)
            if end is not None and end - read_to > FAR_BEHIND * share:
                self.consumer.seek(tp, end - share)
                passed_over += end - share - read_to
        return messages, passed_over

    def close(self) -> None:
        self.consumer.close(autocommit=False)
