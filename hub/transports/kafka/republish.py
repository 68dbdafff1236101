"""The hub's side of Kafka that is not consuming: its topics, and republishing what it stored.

Normalized events go to `city.events.normalized` keyed by grid code (district when unplaced on
the grid), so API and map instances, or a correlation stage partitioned by place, can read
them; dead letters go to `city.events.deadletter` with their origin and raw bytes (base64).

Republishing uses librdkafka (confluent-kafka): a record costs ≈ 2 µs of the hub's CPU there
against ≈ 35 µs through kafka-python's pure-Python producer, which was close to a fifth of the
hub. Its partitioner is murmur2 (`murmur2_random`), the Java client's and kafka-python's, so a
grid code lands in the same partition as before. The kafka-python options of `kafka_options`
are translated (`librdkafka_config`; `reader_config` for the hub's librdkafka consumers, which refuse
options with no librdkafka equivalent); for such an option (an `ssl_context`, a token provider object)
the republisher alone would fall back to kafka-python's producer.
Imported only when Kafka is configured (through hub.transports.kafka.ingest).
"""

from __future__ import annotations

import base64
import logging
import time
from typing import Any

import orjson
from confluent_kafka import TopicPartition
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from hub.events import DeadLetter, Event

log = logging.getLogger(__name__)
TOPIC = "city.events"
NORMALIZED = "city.events.normalized"
DEADLETTER = "city.events.deadletter"

# kafka-python client option → librdkafka property (values as they are)
_RENAMED = {
    "client_id": "client.id", "security_protocol": "security.protocol", "sasl_mechanism": "sasl.mechanism",
    "sasl_plain_username": "sasl.username", "sasl_plain_password": "sasl.password",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name", "sasl_kerberos_domain_name": "sasl.kerberos.principal",
    "ssl_cafile": "ssl.ca.location", "ssl_certfile": "ssl.certificate.location", "ssl_keyfile": "ssl.key.location",
    "ssl_password": "ssl.key.password", "ssl_crlfile": "ssl.crl.location", "ssl_ciphers": "ssl.cipher.suites",
    "request_timeout_ms": "request.timeout.ms", "retry_backoff_ms": "retry.backoff.ms",
    "reconnect_backoff_ms": "reconnect.backoff.ms", "reconnect_backoff_max_ms": "reconnect.backoff.max.ms",
    "metadata_max_age_ms": "metadata.max.age.ms", "connections_max_idle_ms": "connections.max.idle.ms",
    "socket_connection_setup_timeout_ms": "socket.connection.setup.timeout.ms",
}
# kafka-python options that mean nothing to a librdkafka producer (it negotiates API versions itself)
_IGNORED = {"bootstrap_timeout_ms", "api_version", "api_version_auto_timeout_ms"}


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


def librdkafka_config(client_options: dict[str, Any]) -> dict[str, Any] | None:
    """The librdkafka properties for kafka-python `client_options`; None when one has no equivalent."""
    config: dict[str, Any] = {}
    for name, value in client_options.items():
        if name == "bootstrap_servers":
            config["bootstrap.servers"] = value if isinstance(value, str) else ",".join(value)
        elif name == "ssl_check_hostname":
            config["ssl.endpoint.identification.algorithm"] = "https" if value else "none"
        elif name in _RENAMED and isinstance(value, (str, int, float)):
            config[_RENAMED[name]] = value
        elif name not in _IGNORED:
            return None
    if "SSL" in str(config.get("security.protocol", "")).upper() and "ssl.ca.location" not in config:
        config["ssl.ca.location"] = "probe"  # the system's CAs, as kafka-python uses (the wheel bundles OpenSSL)
    return config


def reader_config(client_options: dict[str, Any]) -> dict[str, Any]:
    """librdkafka's properties for a consumer (the hub reads Kafka only through librdkafka); an option with
    no librdkafka equivalent is refused, with the reason."""
    config = librdkafka_config(client_options)
    if config is None:
        raise ValueError("kafka_options holds a setting librdkafka cannot take (an ssl_context or a token "
                         "provider object): give file paths and names instead (docs/TRANSPORTS.md)")
    return config


def take_fetched(consumer: Any, most: int, wait_s: float) -> list[Any]:
    """Up to `most` records of a librdkafka consumer, errors among them: it waits up to `wait_s` for the
    first, then takes what is already fetched without waiting (`consume(most, wait_s)` alone waits out its
    whole timeout whenever fewer than `most` came: 120 ms of latency at a steady rate)."""
    first = consumer.poll(wait_s)
    return [first, *consumer.consume(most - 1, 0)] if first is not None else []


def fetched_end(consumer: Any, topic: str, partition: int) -> int:
    """A partition's end (high watermark) as the consumer's last fetch reported it, no request of its own;
    -1 while unknown."""
    return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)[1])


class Republisher:
    """A pipeline sink. Best effort: the store is the record, so a failure here is logged, not retried.

    Records are handed to librdkafka's queue (at most 100,000 records or 64 MiB waiting); when it is full
    a batch waits up to `max_block_s`, then the rest of it is dropped. Every record that is not
    delivered (queue full, or the broker away longer than `delivery_timeout_ms`) is counted in
    `failed` and logged."""

    def __init__(self, *, max_block_s: float = 5.0, delivery_timeout_ms: int = 120_000) -> None:
        self.max_block_s, self.delivery_timeout_ms = max_block_s, delivery_timeout_ms
        self.producer: Any = None  # confluent_kafka.Producer, or KafkaProducer when the options need it
        self.librdkafka = False
        self.failed = 0  # records not delivered, all causes
        self._undelivered = 0  # delivery reports of failure since the last log line
        self._last_error: object = None

    def open(self, client_options: dict[str, Any]) -> None:
        if self.producer is not None:
            return
        config = librdkafka_config(client_options)
        if config is not None:
            try:
                from confluent_kafka import Producer

                self.producer = Producer(config | {
                    "acks": "all", "linger.ms": 20, "compression.type": "none", "enable.idempotence": False,
                    "partitioner": "murmur2_random", "message.timeout.ms": self.delivery_timeout_ms,
                    "queue.buffering.max.messages": 100_000, "queue.buffering.max.kbytes": 64 * 1024,
                    "delivery.report.only.error": True, "on_delivery": self._delivered,
                    "error_cb": self._error, "logger": log, "log.connection.close": False})
                self.librdkafka = True
                return
            except Exception as err:  # e.g. a SASL mechanism this librdkafka build lacks
                log.warning("librdkafka refused the Kafka options (%s: %s); republishing through kafka-python",
                            type(err).__name__, err)
        else:
            log.info("kafka_options has settings librdkafka cannot take; republishing through kafka-python")
        self.producer = KafkaProducer(acks="all", linger_ms=20, max_block_ms=int(self.max_block_s * 1000),
                                      enable_idempotence=False, **client_options)

    def __call__(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        producer = self.producer
        if producer is None:
            return
        if self.librdkafka:
            self._produce(producer, fresh, dead)
            return
        try:
            for event in fresh:
                producer.send(NORMALIZED, key=grid_key(event), value=event.normalized_json())
            for letter in dead:
                producer.send(DEADLETTER, key=letter.topic.encode(), value=dead_letter_record(letter))
        except KafkaError as err:
            log.warning("republishing to Kafka failed (%s); the batch is stored all the same", err)

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
                if self.librdkafka:
                    left = self.producer.flush(10)
                    self._report()
                    if left:
                        self.failed += left
                        log.warning("republishing to Kafka: %d records still waiting at shutdown, dropped", left)
                else:
                    self.producer.flush(10)
                    self.producer.close(10)
            except Exception:
                log.debug("closing the Kafka producer", exc_info=True)
            self.producer = None
