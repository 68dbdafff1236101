"""The three buses the shared transport suite runs on, behind one small interface."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import orjson

from hub.settings import Settings
from hub.transports.base import kafka_url, transport_for
from hub.transports.kafka.publisher import KafkaPublisher
from hub.transports.mqtt.client import connect, mqtt_client
from hub.transports.mqtt.publisher import MqttPublisher
from tests.transport import events
from tests.transport.brokers import Amqtt, Mosquitto, Tansu

Publisher = MqttPublisher | KafkaPublisher


class Bus(ABC):
    name = "bus"
    durable = False  # messages and sessions survive a restart of the broker
    holds_for_absent_hub = False  # what is published while the hub is down waits for it
    binary_mode = True  # can carry CloudEvents binary mode (MQTT 5 user properties, Kafka headers)

    @abstractmethod
    def hub_settings(self, data_dir: Path, **overrides: Any) -> Settings: ...

    @abstractmethod
    def serve_args(self) -> list[str]:
        """The `cityhub serve` arguments that connect a hub process to this bus."""

    def serve_env(self) -> dict[str, str]:
        return {}

    @property
    @abstractmethod
    def url(self) -> str:
        """The bus's URL, whose scheme picks the transport (hub.transports.base.transport_for)."""

    def publisher_options(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def room_options(self, room: int) -> dict[str, Any]:
        """The publisher options that make its buffer hold about `room` test events."""

    def publisher(self, name: str) -> Publisher:
        publisher: Publisher = transport_for(self.url).publisher(self.url, name, **self.publisher_options())
        return publisher

    def small_publisher(self, name: str, room: int) -> Publisher:
        """A publisher whose buffer holds about `room` test events."""
        options = self.publisher_options() | self.room_options(room)
        publisher: Publisher = transport_for(self.url).publisher(self.url, name, **options)
        return publisher

    @abstractmethod
    def binary(self, ce: dict[str, Any], *, sdk: bool) -> tuple[bytes, list[tuple[str, bytes]]]: ...

    @abstractmethod
    def listen_republished(self) -> Listener: ...

    @abstractmethod
    def stop(self) -> None: ...

    @abstractmethod
    def start(self) -> None: ...


class Listener:
    """Collects what the hub republishes: normalized events and dead letters."""

    def __init__(self) -> None:
        self.normalized: list[dict[str, Any]] = []
        self.keys: list[bytes | None] = []
        self.dead: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def close(self) -> None: ...


class MqttBus(Bus):
    topic = events.TOPIC
    v5 = True

    def __init__(self, broker: Mosquitto | Amqtt) -> None:
        self.broker = broker

    @property
    def url(self) -> str:
        return self.broker.url

    def stop(self) -> None:
        self.broker.stop()

    def start(self) -> None:
        self.broker.start()

    def hub_settings(self, data_dir: Path, **overrides: Any) -> Settings:
        values = {"data_dir": data_dir, "mqtt": self.url, "mqtt_v5": self.v5, "mqtt_client_id": "cityhub"}
        return Settings.model_validate(values | overrides)

    def serve_args(self) -> list[str]:
        return ["--mqtt", self.url]

    def serve_env(self) -> dict[str, str]:
        return {"CITYHUB_MQTT_V5": "1" if self.v5 else "0"}

    def publisher_options(self) -> dict[str, Any]:
        return {"v5": self.v5}

    def room_options(self, room: int) -> dict[str, Any]:
        return {"buffer": room}

    def binary(self, ce: dict[str, Any], *, sdk: bool) -> tuple[bytes, list[tuple[str, bytes]]]:
        return events.mqtt_binary(ce) if sdk else events.raw_mqtt_binary(ce)

    def listen_republished(self) -> Listener:
        return MqttListener(self.url, self.v5)


class MqttListener(Listener):
    def __init__(self, url: str, v5: bool) -> None:
        super().__init__()
        self.client = mqtt_client(url, f"listener-{id(self)}", v5=v5, persistent=False)
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        connect(self.client, url, v5=v5, persistent=False)
        self.client.subscribe([("hub/events/#", 0), ("hub/deadletter", 0)])
        self.client.loop_start()
        subscribed.wait(10)

    def _on_message(self, client: object, userdata: object, msg: Any) -> None:
        body = orjson.loads(msg.payload)
        with self.lock:
            if msg.topic == "hub/deadletter":
                self.dead.append(body)
            else:
                self.normalized.append(body)
                self.keys.append(msg.topic.encode())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class MosquittoBus(MqttBus):
    name = "mosquitto"
    durable = True
    holds_for_absent_hub = True


class EmbeddedBus(MqttBus):
    """amqtt, MQTT 3.1.1 only; it keeps no messages for an anonymous client that is away."""

    name = "embedded"
    v5 = False
    binary_mode = False


class KafkaBus(Bus):
    """tansu: Kafka protocol, memory storage only, so a broker restart starts from nothing."""

    name = "kafka"
    holds_for_absent_hub = True

    def __init__(self, broker: Tansu) -> None:
        self.broker = broker

    def hub_settings(self, data_dir: Path, **overrides: Any) -> Settings:
        return Settings.model_validate({"data_dir": data_dir, "kafka": self.broker.bootstrap} | overrides)

    def serve_args(self) -> list[str]:
        return ["--kafka", self.broker.bootstrap]

    @property
    def url(self) -> str:
        return kafka_url(self.broker.bootstrap)

    def room_options(self, room: int) -> dict[str, Any]:
        size = len(orjson.dumps(events.occupancy("away", 0)))
        return {"buffer_bytes": room * size, "block_s": 0.01}

    def binary(self, ce: dict[str, Any], *, sdk: bool) -> tuple[bytes, list[tuple[str, bytes]]]:
        return events.sdk_kafka_binary(ce) if sdk else events.raw_kafka_binary(ce)

    def listen_republished(self) -> Listener:
        return KafkaListener(self.broker.bootstrap)

    def stop(self) -> None:
        self.broker.stop()

    def start(self) -> None:
        self.broker.start()


class KafkaListener(Listener):
    def __init__(self, bootstrap: str) -> None:
        from kafka import KafkaConsumer

        super().__init__()
        self.consumer = KafkaConsumer("city.events.normalized", "city.events.deadletter", bootstrap_servers=bootstrap,
                                      group_id=None, auto_offset_reset="earliest", metadata_max_age_ms=1000)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            for records in self.consumer.poll(200).values():
                with self.lock:
                    for r in records:
                        if r.topic == "city.events.deadletter":
                            self.dead.append(orjson.loads(r.value))
                        else:
                            self.normalized.append(orjson.loads(r.value))
                            self.keys.append(r.key)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.consumer.close()


class Mosquitto311Bus(MosquittoBus):
    """Mosquitto with the hub on MQTT 3.1.1: the persistent session is clean_session=False."""

    name = "mosquitto-3.1.1"
    v5 = False
    binary_mode = False
