"""Send canonical events to Kafka topic `city.events`, keyed by the CloudEvent source (structured JSON mode).

Keying by source keeps every event of one device in one partition, in order, so the hub
worker that owns the partition sees the device's whole story. While the broker is away the
producer keeps up to `buffer_bytes` of records and retries them for `delivery_timeout_s`;
what it still cannot deliver, or cannot even buffer, is counted in `dropped` and logged.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

import orjson
from kafka import KafkaProducer
from kafka.errors import KafkaError

from adapters.base import CloudEvent
from hub.transports.base import EVENTS_TOPIC, Headers

if TYPE_CHECKING:
    from hub.trust.signer import Signer

log = logging.getLogger(__name__)


def source_key(payload: bytes) -> bytes | None:
    """The source of a structured-mode CloudEvent, or None when the payload is not one."""
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    source = body.get("source") if isinstance(body, dict) else None
    return source.encode() if isinstance(source, str) else None


class KafkaPublisher:
    def __init__(self, bootstrap: str, client_id: str = "cityhub-publisher", *, topic: str = EVENTS_TOPIC,
                 buffer_bytes: int = 64 * 1024 * 1024, block_s: float = 10, delivery_timeout_s: float = 300,
                 metadata_wait_s: float = 10, signer: Signer | None = None,
                 **client_options: Any) -> None:
        """`client_options` go to kafka-python as they are: security_protocol, sasl_mechanism,
        sasl_plain_username, sasl_plain_password, ssl_cafile … (see docs/TRANSPORTS.md).
        With a `signer`, `publish` signs each event (hub/trust/signing.py)."""
        self.topic, self.signer = topic, signer
        self.dropped = 0
        self.delivered = 0
        self.buffer_bytes, self.block_s = buffer_bytes, block_s
        self.pending_bytes = 0  # sent to the producer and not yet acknowledged by the broker
        self._space = threading.Condition()
        options: dict[str, Any] = {
            "bootstrap_servers": bootstrap.split(","), "client_id": client_id, "acks": "all", "linger_ms": 5,
            "max_block_ms": int(metadata_wait_s * 1000), "request_timeout_ms": 10_000,
            "bootstrap_timeout_ms": 10_000,
            "delivery_timeout_ms": int(delivery_timeout_s * 1000), "reconnect_backoff_max_ms": 5_000,
            # the hub deduplicates on (source, id); a broker that loses the producer id must not stall us
            "enable_idempotence": False, "retries": 2_147_483_647, "max_in_flight_requests_per_connection": 5,
        } | client_options
        try:
            self.producer = KafkaProducer(**options)
        except KafkaError as err:
            raise ConnectionError(f"cannot connect to Kafka bootstrap server(s) {bootstrap}: {err}") from None

    def publish(self, topic: str, events: list[CloudEvent]) -> None:
        """`topic` is the MQTT topic the adapter would use; on Kafka every source shares `city.events`."""
        for event in events:
            if self.signer:
                event = self.signer(event)
            self.publish_raw(topic, orjson.dumps(event), key=str(event.get("source", "")).encode() or None)

    def publish_raw(self, topic: str, payload: bytes, headers: Headers | None = None,
                    key: bytes | None = None) -> None:
        """One record as is; `headers` are Kafka headers (CloudEvents binary mode: `ce_id`, `ce_source` …).
        The key is the CloudEvent source: given, or `ce_source`, or read from the payload."""
        if key is None:
            key = dict(headers or {}).get("ce_source") or source_key(payload)
        size = len(payload)
        with self._space:
            if not self._space.wait_for(lambda: self.pending_bytes + size <= self.buffer_bytes, self.block_s):
                self._drop_locked(f"buffer of {self.buffer_bytes} bytes full for {self.block_s} s")
                return
            self.pending_bytes += size
        try:
            future = self.producer.send(self.topic, value=payload, key=key, headers=headers or [])
        except KafkaError as err:  # no metadata for the topic within metadata_wait_s
            self._settled(size, f"not buffered: {type(err).__name__}: {err}")
            return
        future.add_callback(lambda _: self._settled(size))
        future.add_errback(lambda err: self._settled(size, f"not delivered: {type(err).__name__}: {err}"))

    def _settled(self, size: int, failure: str | None = None) -> None:
        with self._space:
            self.pending_bytes -= size
            self._space.notify_all()
            if failure is None:
                self.delivered += 1
            else:
                self._drop_locked(failure)

    def _drop_locked(self, why: str) -> None:
        self.dropped += 1
        dropped = self.dropped
        if dropped == 1 or dropped % 1000 == 0:
            log.warning("Kafka publisher dropped a message for %s, %s (%d dropped so far)", self.topic, why, dropped)

    def flush(self, timeout: float = 30) -> None:
        """Wait until the broker has acknowledged every record; raise TimeoutError otherwise."""
        try:
            self.producer.flush(timeout)
        except KafkaError as err:
            raise TimeoutError(f"Kafka records not acknowledged within {timeout} s: {err}") from None

    def close(self, timeout: float = 30) -> None:
        try:
            self.flush(timeout)
        finally:
            self.producer.close(timeout)
