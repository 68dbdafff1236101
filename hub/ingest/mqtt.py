"""MQTT ingest with paho-mqtt: QoS 1, a persistent session, PUBACK only after the batch is stored."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes

from hub.events import DeadLetter, Event, Message
from hub.ingest.batching import BatchWorker
from hub.live import map_item
from hub.pipeline import Pipeline

log = logging.getLogger(__name__)
TOPIC = "city/+/+"


def mqtt_client(url: str, client_id: str, *, v5: bool, persistent: bool, manual_ack: bool = False) -> paho.Client:
    """A paho client for `mqtt://[user:password@]host:port`, not yet connected."""
    parts = urlparse(url)
    protocol = paho.MQTTv5 if v5 else paho.MQTTv311
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                         clean_session=None if v5 else not persistent, manual_ack=manual_ack)
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(0.5, 10)
    return client


def connect(client: paho.Client, url: str, *, v5: bool, persistent: bool) -> None:
    parts = urlparse(url)
    props = None
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 7 * 86400 if persistent else 0
        props.ReceiveMaximum = 1000
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30,
                   clean_start=not persistent if v5 else paho.MQTT_CLEAN_START_FIRST_ONLY, properties=props)


class MqttIngest:
    def __init__(self, pipeline: Pipeline, url: str, *, client_id: str = "cityhub", v5: bool = True,
                 share_group: str | None = None) -> None:
        self.url, self.v5 = url, v5
        self.topic = f"$share/{share_group}/{TOPIC}" if share_group else TOPIC
        self.client = mqtt_client(url, client_id, v5=v5, persistent=True, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.worker: BatchWorker[tuple[int, int]] = BatchWorker(pipeline, self._ack, name="mqtt-ingest")
        self.connected = threading.Event()
        pipeline.sinks.append(self.republish)

    def start(self) -> None:
        self.worker.start()
        connect(self.client, self.url, v5=self.v5, persistent=True)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.worker.stop()

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT connect refused: %s", reason)
            return
        client.subscribe(self.topic, qos=1)
        self.connected.set()

    def _on_message(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        headers = tuple((k, v.encode()) for k, v in getattr(props, "UserProperty", []) or [])
        self.worker.put(Message(msg.payload, msg.topic, "mqtt", headers=headers), (msg.mid, msg.qos))

    def _ack(self, tokens: list[tuple[int, int]]) -> None:
        for mid, qos in tokens:
            if qos:  # QoS 0 needs no acknowledgement
                self.client.ack(mid, qos)

    def republish(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """Normalized events to hub/events/<district>/<domain>, dead letters to hub/deadletter."""
        for event in fresh:
            hub = event.hub
            district = hub.district_code if hub and hub.district_code else "unplaced"
            self.client.publish(f"hub/events/{district}/{event.domain}", orjson.dumps(map_item(event)), qos=0)
        for letter in dead:
            self.client.publish("hub/deadletter", orjson.dumps(
                {"reason": letter.reason, "topic": letter.topic, "received_at": letter.received_at,
                 "raw": letter.raw.decode("utf-8", "replace")[:2000]}), qos=0)
