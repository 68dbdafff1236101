"""The fresh view's look at MQTT (hub.transports.fresh_view): a throw-away QoS 0 session on the hub's topics.

No stored session and its own share group when workers share the load: the broker gives it every event
as it is published, and it keeps the newest `HELD_MAX` of them for the view to take.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

import paho.mqtt.client as paho

from hub.api.security import redacted
from hub.events import Message
from hub.transports.fresh_view import HELD_MAX
from hub.transports.mqtt.client import connect_async, mqtt_client
from hub.transports.mqtt.ingest import TOPIC
from hub.trust.tls import TlsFiles

log = logging.getLogger(__name__)


class MqttGlance:
    """A throw-away QoS 0 session on the hub's topics; what it brings waits in a short deque."""

    def __init__(self, url: str, *, client_id: str = "cityhub", v5: bool = True,
                 share_group: str | None = None, tls: TlsFiles | None = None) -> None:
        self.topic = f"$share/{share_group}-fresh/{TOPIC}" if share_group and v5 else TOPIC
        self._held: deque[tuple[str, bytes]] = deque(maxlen=HELD_MAX)
        self._overflow = 0
        self._lock = threading.Lock()
        client = self.client = mqtt_client(url, f"{client_id}-fresh", v5=v5, persistent=False, manual_ack=True,
                                           tls=tls)
        client.fast_handler = self._on_publish
        client.batch_handler = self._on_publishes
        client.on_connect = self._on_connect
        connect_async(client, url, v5=v5, persistent=False)
        client.loop_start()
        log.info("fresh view: a QoS 0 session on %s at %s", self.topic, redacted(url))

    def take(self, most: int) -> tuple[list[Message], int]:
        with self._lock:
            items, self._held = list(self._held), deque(maxlen=HELD_MAX)
            passed_over, self._overflow = self._overflow, 0
        return [Message(payload, topic, "mqtt") for topic, payload in items], passed_over

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object,
                    props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.error("fresh view: the broker refused the session: %s", reason)
            return
        client.subscribe(self.topic, qos=0)

    def _on_publish(self, topic: str, payload: bytes, mid: int, qos: int) -> None:
        self._hold([(topic, payload)])

    def _on_publishes(self, publishes: list[tuple[str, bytes, int, int]]) -> None:
        self._hold([(topic, payload) for topic, payload, _, _ in publishes])

    def _hold(self, items: list[tuple[str, bytes]]) -> None:
        with self._lock:
            overflow = len(self._held) + len(items) - HELD_MAX
            if overflow > 0:
                self._overflow += overflow
            self._held.extend(items)  # a full deque lets go of its oldest
