"""Send canonical events to the hub over MQTT (city/<domain>/<system>, QoS 1).

The publisher keeps a bounded buffer while the broker is away, sends it when the broker is back,
and counts (and logs) what it had to drop. `flush` waits until the broker has acknowledged
everything sent so far.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import orjson
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from adapters.base import CloudEvent
from hub.api.security import redacted
from hub.transports.base import Headers
from hub.transports.mqtt.client import connect_async, mqtt_client

if TYPE_CHECKING:
    from hub.trust.signer import Signer
    from hub.trust.tls import TlsFiles

log = logging.getLogger(__name__)
MQTT_BUFFER_MAX = 60_000  # paho numbers messages 1..65535; more unacknowledged ones cannot be told apart


class MqttPublisher:
    """QoS 1 publisher. While the broker is away paho keeps up to `buffer` unacknowledged messages,
    resends them on reconnect (backoff 1–10 s) and `dropped` counts what did not fit. With a `signer`,
    `publish` signs each event (hub/trust/signing.py)."""

    def __init__(self, url: str, client_id: str, *, v5: bool = False, buffer: int = 50_000,
                 connect_timeout: float = 10, signer: Signer | None = None, tls: TlsFiles | None = None) -> None:
        self.v5, self.signer = v5, signer
        self.client = mqtt_client(url, client_id, v5=v5, persistent=False, tls=tls)
        self.client.max_queued_messages_set(min(buffer, MQTT_BUFFER_MAX))
        self.client.on_publish = self._on_publish
        self.dropped = 0  # did not fit in the buffer
        self.refused = 0  # the broker answered with a failure reason (MQTT 5), e.g. not authorized
        self.unacked = 0
        self._acked = threading.Condition()
        connect_async(self.client, url, v5=v5, persistent=False)
        self.client.loop_start()
        deadline = time.monotonic() + connect_timeout
        while not self.client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.client.is_connected():
            self.client.loop_stop()
            failures = self.client.connect_failures
            why = f": {failures.last}" if failures and failures.last else ""
            raise ConnectionError(f"cannot connect to MQTT broker {redacted(url)} within {connect_timeout} s{why}")

    def publish(self, topic: str, events: list[CloudEvent]) -> None:
        for event in events:
            self.publish_raw(topic, orjson.dumps(self.signer(event) if self.signer else event))

    def publish_raw(self, topic: str, payload: bytes, headers: Headers | None = None) -> None:
        """One message as is; `headers` become MQTT 5 user properties (CloudEvents binary mode)."""
        props = None
        if headers:
            if not self.v5:
                raise ValueError("headers need MQTT 5 user properties: create the publisher with v5=True")
            props = Properties(PacketTypes.PUBLISH)
            props.UserProperty = [(k, v.decode()) for k, v in headers]
        with self._acked:
            self.unacked += 1
        info = self.client.publish(topic, payload, qos=1, properties=props)
        if info.rc == paho.MQTT_ERR_QUEUE_SIZE:
            with self._acked:
                self.unacked -= 1
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("MQTT buffer full while the broker is away: dropped a message for %s "
                            "(%d dropped so far)", topic, self.dropped)

    def _on_publish(self, client: paho.Client, userdata: object, mid: int, reason: object, props: object) -> None:
        if getattr(reason, "is_failure", False):
            self.refused += 1
            log.warning("MQTT broker refused message %d: %s", mid, reason)
        with self._acked:
            self.unacked -= 1
            if self.unacked <= 0:
                self._acked.notify_all()

    def flush(self, timeout: float = 30) -> None:
        """Wait until the broker has acknowledged every message; raise TimeoutError otherwise."""
        with self._acked:
            if not self._acked.wait_for(lambda: self.unacked <= 0, timeout):
                raise TimeoutError(f"{self.unacked} MQTT messages not acknowledged within {timeout} s")

    def close(self, timeout: float = 30) -> None:
        try:
            self.flush(timeout)
        finally:
            self.client.disconnect()
            self.client.loop_stop()
