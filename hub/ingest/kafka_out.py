"""The hub's side of Kafka that is not consuming: its topics, and republishing what it stored.

Normalized events go to `city.events.normalized` keyed by grid code (district when unplaced on
the grid), so API and map instances, or a correlation stage partitioned by place, can read
them; dead letters go to `city.events.deadletter` with their origin and raw bytes (base64).
Imported only when Kafka is configured (through hub.ingest.kafka).
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import orjson
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from hub.events import DeadLetter, Event

log = logging.getLogger(__name__)
TOPIC = "city.events"
NORMALIZED = "city.events.normalized"
DEADLETTER = "city.events.deadletter"


def ensure_topics(client_options: dict[str, Any], topic: str = TOPIC, partitions: int = 6) -> None:
    """Create the hub's topics where missing. A managed cluster may forbid it: then only a warning.
    Raises when the broker cannot be reached at all."""
    admin = KafkaAdminClient(**client_options)
    try:
        existing = set(admin.list_topics())
        wanted = [NewTopic(topic, partitions, 1), NewTopic(NORMALIZED, partitions, 1), NewTopic(DEADLETTER, 1, 1)]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            try:
                admin.create_topics(missing)
                log.info("created Kafka topics %s", ", ".join(t.name for t in missing))
            except TopicAlreadyExistsError:
                pass  # another hub worker was quicker
    except KafkaError as err:
        log.warning("cannot check or create the Kafka topics (%s: %s); expecting them to exist",
                    type(err).__name__, err)
    finally:
        admin.close()


def grid_key(event: Event) -> bytes:
    hub = event.hub
    return ((hub.grid_code or hub.district_code or "unplaced") if hub else "unplaced").encode()


def dead_letter_record(letter: DeadLetter) -> bytes:
    return orjson.dumps({
        "reason": letter.reason, "transport": letter.transport, "topic": letter.topic,
        "partition": letter.partition, "offset": letter.offset, "received_at": letter.received_at,
        "raw": base64.b64encode(letter.raw).decode()})


class Republisher:
    """A pipeline sink. Best effort: the store is the record, so a failure here is logged, not retried."""

    def __init__(self) -> None:
        self.producer: KafkaProducer | None = None

    def open(self, client_options: dict[str, Any]) -> None:
        if self.producer is None:
            self.producer = KafkaProducer(acks="all", linger_ms=20, max_block_ms=5000, enable_idempotence=False,
                                          **client_options)

    def __call__(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        producer = self.producer
        if producer is None:
            return
        try:
            for event in fresh:
                producer.send(NORMALIZED, key=grid_key(event), value=event.normalized_json())
            for letter in dead:
                producer.send(DEADLETTER, key=letter.topic.encode(), value=dead_letter_record(letter))
        except KafkaError as err:
            log.warning("republishing to Kafka failed (%s); the batch is stored all the same", err)

    def close(self) -> None:
        if self.producer is not None:
            try:
                self.producer.flush(10)
                self.producer.close(10)
            except Exception:
                log.debug("closing the Kafka producer", exc_info=True)
            self.producer = None
