"""The hub's side of Kafka that is not consuming: its topics, and republishing what it stored.

Normalized events go to `city.events.normalized` keyed by grid code (district when unplaced on
the grid), so API and map instances, or a correlation stage partitioned by place, can read
them; dead letters go to `city.events.deadletter` with their origin and raw bytes (base64).

Republishing uses librdkafka (confluent-kafka), as the consuming does (docs/TRANSPORTS.md: one Kafka
client for the hub's records). Its partitioner is murmur2 (`murmur2_random`), the Java client's and
kafka-python's, so a grid code lands in the same partition whichever client wrote it. The options of
`kafka_options` are translated (hub.transports.kafka.client.reader_config); one librdkafka cannot take
(an `ssl_context`, a token provider object) is refused, as the consumer refuses it.
Imported only when Kafka is configured (through hub.transports.kafka.ingest).
"""

from __future__ import annotations

import base64
import logging
import time
from typing import Any

import orjson
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from hub.events import DeadLetter, Event
from hub.transports.kafka.client import reader_config

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
    """A pipeline sink. Best effort: the store is the record, so a failure here is logged, not retried.

    Records are handed to librdkafka's queue (at most 100,000 records or 64 MiB waiting); when it is full
    a batch waits up to `max_block_s`, then the rest of it is dropped. Every record that is not
    delivered (queue full, or the broker away longer than `delivery_timeout_ms`) is counted in
    `failed` and logged."""

    def __init__(self, *, max_block_s: float = 5.0, delivery_timeout_ms: int = 120_000) -> None:
        self.max_block_s, self.delivery_timeout_ms = max_block_s, delivery_timeout_ms
        self.producer: Any = None  # confluent_kafka.Producer once opened
        self.librdkafka = False  # opened: the hub republishes through librdkafka only
        self.failed = 0  # records not delivered, all causes
        self._undelivered = 0  # delivery reports of failure since the last log line
        self._last_error: object = None

    def open(self, client_options: dict[str, Any]) -> None:
        if self.producer is not None:
            return
        from confluent_kafka import Producer

        self.producer = Producer(reader_config(client_options) | {
            "acks": "all", "linger.ms": 20, "compression.type": "none", "enable.idempotence": False,
            "partitioner": "murmur2_random", "message.timeout.ms": self.delivery_timeout_ms,
            "queue.buffering.max.messages": 100_000, "queue.buffering.max.kbytes": 64 * 1024,
            "delivery.report.only.error": True, "on_delivery": self._delivered,
            "error_cb": self._error, "logger": log, "log.connection.close": False})
        self.librdkafka = True

    def __call__(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        producer = self.producer
        if producer is None:
            return
        self._produce(producer, fresh, dead)

    def _produce(self, producer: Any, fresh: list[Event], dead: list[DeadLetter]) -> None:
        records = [(NORMALIZED, event.normalized_json(), grid_key(event)) for event in fresh]
        records += [(DEADLETTER, dead_letter_record(letter), letter.topic.encode()) for letter in dead]
        produce, refused, full = producer.produce, 0, False
        error: Exception | None = None
        deadline: float | None = None
        for n, (topic, value, key) in enumerate(records):
            while True:
                try:
                    produce(topic, value, key)
                    break
                except BufferError as err:  # librdkafka's queue is full: the broker is slow or away
                    now = time.monotonic()
                    deadline = deadline or now + self.max_block_s
                    if now < deadline:
                        producer.poll(0.1)
                        continue
                    refused, error, full = refused + len(records) - n, err, True  # drop the rest of the batch
                    break
                except Exception as err:  # KafkaException, e.g. a record larger than the broker takes
                    refused, error = refused + 1, err
                    break
            if full:
                break
        producer.poll(0)  # serve delivery failures and errors of earlier batches
        if refused:
            self.failed += refused
            log.warning("republishing to Kafka: %d of %d records dropped (%s: %s); the batch is stored all the same",
                        refused, len(records), type(error).__name__, error)
        self._report()

    def _delivered(self, err: Any, msg: Any) -> None:
        """Delivery reports, failures only, served by `poll`/`flush` on the calling thread."""
        if err is not None:
            self._undelivered += 1
            self._last_error = err

    def _report(self) -> None:
        if self._undelivered:
            count, self._undelivered = self._undelivered, 0
            self.failed += count
            log.warning("republishing to Kafka: %d records not delivered (%s); they are stored all the same",
                        count, self._last_error)

    def _error(self, err: Any) -> None:
        log.warning("Kafka producer: %s", err)

    def close(self) -> None:
        if self.producer is not None:
            try:
                left = self.producer.flush(10)
                self._report()
                if left:
                    self.failed += left
                    log.warning("republishing to Kafka: %d records still waiting at shutdown, dropped", left)
            except Exception:
                log.debug("closing the Kafka producer", exc_info=True)
            self.producer = None
