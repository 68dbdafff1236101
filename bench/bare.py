"""The bare consumers a run measures beside the hub: the same load through the same broker, no hub.

`cityhub bench` reports the hub's rate as a share of what a consumer that does nothing with the
messages takes from the same broker on the same machine in the same run (`bare` and
`hub_to_bare` in its JSON), which moves far less with the shared machine's speed than either rate.

- Kafka: after the hub's run, a librdkafka consumer reads every partition of `city.events` from the
  start (everything the hub read, the warm-up too), taking records as the hub takes them
  (bench.kafka_consumer.LibrdkafkaClient), and commits nothing. It is assigned the partitions rather
  than joining a group, so its clock starts when it starts fetching; the hub's group joined before its
  clock started too.
- MQTT: before the hubs start, a plain paho client (MQTT 5, clean start, paho's own loop and
  acknowledgement) subscribed to `city/+/+` at QoS 1 while a producer of its own publishes the whole load
  at full speed. No hub is subscribed yet, so the broker sends it to this client alone.

The rate is events ÷ seconds to the last message taken, from the first message taken (MQTT) or from
the assignment (Kafka, whose client fetches ahead of what it hands over), as the hub's is counted
from the first send to the last event on the map.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.publish import Producers
from hub.transports.mqtt.ingest import TOPIC as MQTT_TOPIC

IDLE_S = 5.0  # nothing more for this long after the first message: the rest is not coming


def bare_summary(client: str, taken: int, first: float, last: float, cpu_s: float) -> dict[str, Any]:
    span = max(last - first, 1e-9)
    return {"client": client, "events": taken, "events_per_s": round(taken / span) if taken > 1 else None,
            "seconds": round(span, 3), "cpu_percent": round(100 * cpu_s / span, 1),
            "events_per_cpu_s": round(taken / cpu_s) if cpu_s > 0 else None}


def kafka_bare(bootstrap: str, expected: int, group: str, timeout_s: float = 120) -> dict[str, Any]:
    """Read `expected` records of `city.events` from the start in group `group`; the rate they came at."""
    from bench.kafka_consumer import LibrdkafkaClient  # it imports bench.run, which imports this module

    consumer = LibrdkafkaClient(bootstrap, group=group)
    taken, last = 0, 0.0
    deadline = time.monotonic() + timeout_s
    try:
        consumer.read_all()
        first, cpu0 = time.time(), time.process_time()  # librdkafka fetches from here, in its own threads
        while taken < expected and time.monotonic() < deadline:
            polled = consumer.poll()
            if polled:
                last = time.time()
                taken += len(polled)
            elif taken and time.time() - last > IDLE_S:
                break
        cpu = time.process_time() - cpu0
    finally:
        consumer.close()
    return bare_summary("librdkafka", taken, first, last, cpu)


class BareSubscriber:
    """A plain paho QoS 1 subscriber that counts what it gets: paho's own parsing, message objects and PUBACKs."""

    def __init__(self, url: str, client_id: str) -> None:
        parts = urlparse(url)
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.taken, self.first, self.last, self.cpu_at_first = 0, 0.0, 0.0, 0.0
        self.subscribed = False
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=60, clean_start=True)

    def _on_subscribe(self, *_: Any) -> None:
        self.subscribed = True

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        self.last = time.time()
        if not self.taken:
            self.first, self.cpu_at_first = self.last, time.process_time()
        self.taken += 1

    def subscribe(self, timeout_s: float = 15) -> None:
        self.client.subscribe(MQTT_TOPIC, qos=1)
        deadline = time.monotonic() + timeout_s
        while not self.subscribed:
            if time.monotonic() > deadline:
                raise TimeoutError("the bare MQTT subscriber's subscription was not granted")
            self.client.loop(0.05)

    def take(self, expected: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.taken < expected and time.monotonic() < deadline:
            self.client.loop(0.05)
            if self.taken and time.time() - self.last > IDLE_S:
                break

    def close(self) -> None:
        self.client.disconnect()


def mqtt_bare(url: str, producers: Producers, expected: int, timeout_s: float = 120) -> dict[str, Any]:
    """Publish the load with `producers` (started, waiting) while a bare paho subscriber takes it."""
    subscriber = BareSubscriber(url, "bench-bare-subscriber")
    try:
        subscriber.subscribe()
        producers.warm.set()
        producers.go.set()
        subscriber.take(expected, timeout_s)
        cpu = time.process_time() - subscriber.cpu_at_first
    finally:
        subscriber.close()
        producers.join(10)
        producers.stop()
    return bare_summary("paho", subscriber.taken, subscriber.first, subscriber.last, cpu)
