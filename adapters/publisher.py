"""Send canonical events to the hub's brokers: MQTT (city/<domain>/<system>, QoS 1) or Kafka (city.events)."""

from __future__ import annotations

import logging
import time
from typing import Protocol

import orjson
import paho.mqtt.client as paho

from adapters.base import CloudEvent
from hub.ingest.mqtt import connect, mqtt_client

log = logging.getLogger(__name__)
KAFKA_TOPIC = "city.events"


class Publisher(Protocol):
    def publish(self, topic: str, events: list[CloudEvent]) -> None: ...
    def flush(self, timeout: float = 30) -> None: ...
    def close(self) -> None: ...


class MqttPublisher:
    """QoS 1 publisher. While the broker is away paho keeps up to `buffer` messages and says when it drops."""

    def __init__(self, url: str, client_id: str, *, v5: bool = False, buffer: int = 100_000) -> None:
        self.client = mqtt_client(url, client_id, v5=v5, persistent=False)
        self.client.max_queued_messages_set(buffer)
        self.pending: list[paho.MQTTMessageInfo] = []
        self.dropped = 0
        connect(self.client, url, v5=v5, persistent=False)
        self.client.loop_start()
        deadline = time.monotonic() + 10
        while not self.client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.client.is_connected():
            raise ConnectionError(f"cannot connect to MQTT broker {url}")

    def publish(self, topic: str, events: list[CloudEvent]) -> None:
        for event in events:
            self.publish_raw(topic, orjson.dumps(event))

    def publish_raw(self, topic: str, payload: bytes) -> None:
        info = self.client.publish(topic, payload, qos=1)
        if info.rc == paho.MQTT_ERR_QUEUE_SIZE:
            self.dropped += 1
            log.warning("MQTT buffer full: dropped a message for %s (%d dropped so far)", topic, self.dropped)
            return
        self.pending.append(info)
        if len(self.pending) >= 5000:
            self.flush()

    def flush(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        for info in self.pending:
            info.wait_for_publish(max(0.0, deadline - time.monotonic()))
        self.pending = [i for i in self.pending if not i.is_published()]
        if self.pending:
            raise TimeoutError(f"{len(self.pending)} MQTT messages not acknowledged within {timeout} s")

    def close(self) -> None:
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()
