"""Reports to the province over Kafka instead of HTTPS: `exchange_url = kafka://HOST:PORT[,HOST:PORT]/TOPIC`.

Each report is one record keyed by the city code, its value the report's JSON, with the headers
`x-cityhub-timestamp` and `x-cityhub-signature` of the HTTPS form. A report counts as delivered when
the broker acknowledges it (acks=all); the link sends the next one only then, so the topic holds the
reports in order. Client settings (SASL, TLS) are `kafka_options`, as for the hub's own Kafka."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kafka import KafkaProducer
from kafka.errors import KafkaError


def parse_kafka_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    topic = parts.path.strip("/")
    if parts.scheme != "kafka" or not parts.netloc or not topic:
        raise ValueError(f"a Kafka exchange URL is kafka://HOST:PORT/TOPIC, got {url!r}")
    return parts.netloc, topic


class KafkaReports:
    def __init__(self, url: str, key: str, timeout_s: float = 10, **options: Any) -> None:
        self.bootstrap, self.topic = parse_kafka_url(url)
        self.key, self.timeout_s = key.encode(), timeout_s
        # every wait is bounded by timeout_s, the producer's first bootstrap too (kafka-python's own default is 30 s)
        self.options = {"bootstrap_servers": self.bootstrap.split(","), "client_id": "cityhub-exchange",
                        "acks": "all", "max_in_flight_requests_per_connection": 1, "retries": 0,
                        "request_timeout_ms": int(timeout_s * 1000), "max_block_ms": int(timeout_s * 1000),
                        "bootstrap_timeout_ms": int(timeout_s * 1000)} | options
        self.producer: KafkaProducer | None = None

    def send(self, body: bytes, headers: dict[str, str]) -> str | None:
        """Send one report; None once the broker has it, else why not."""
        try:
            if self.producer is None:
                self.producer = KafkaProducer(**self.options)
            future = self.producer.send(self.topic, key=self.key, value=body,
                                        headers=[(k, v.encode()) for k, v in headers.items()])
            future.get(timeout=self.timeout_s)
        except KafkaError as err:
            return f"Kafka {self.bootstrap}/{self.topic}: {type(err).__name__}: {err}"
        return None

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=5)
            self.producer = None
