"""Raw paho clients for the broker tests: log in, publish and read the broker's answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from tests.support import wait_for


@dataclass
class Session:
    client: paho.Client
    connack: Any = None
    connected: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)
    puback: dict[int, Any] = field(default_factory=dict)
    suback: list[Any] = field(default_factory=list)
    received: list[paho.MQTTMessage] = field(default_factory=list)
    acked: threading.Condition = field(default_factory=threading.Condition)

    def on_puback(self, mid: int, reason: Any) -> None:
        with self.acked:
            self.puback[mid] = reason
            self.acked.notify_all()

    def publish(self, topic: str, payload: bytes, wait: bool = True) -> Any:
        """Publish at QoS 1 and return the broker's PUBACK reason code (v5; v3.1.1: Success), or the mid."""
        info = self.client.publish(topic, payload, qos=1)
        if not wait:
            return info.mid
        return self.wait(info.mid)

    def wait(self, mid: int, timeout: float = 30) -> Any:
        with self.acked:
            assert self.acked.wait_for(lambda: mid in self.puback, timeout), f"no PUBACK for message {mid}"
            return self.puback[mid]

    def subscribe(self, topic: str) -> Any:
        self.client.subscribe(topic, qos=1)
        wait_for(lambda: bool(self.suback), timeout=10, what=f"SUBACK for {topic}")
        return self.suback[-1]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def login(url: str, client_id: str, *, v5: bool = True, password: str | None = None) -> Session:
    """Connect as the URL's user (or anonymously) and wait for the broker's answer, accepted or not."""
    parts = urlparse(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=paho.MQTTv5 if v5 else paho.MQTTv311)
    if parts.username:
        client.username_pw_set(parts.username, password if password is not None else parts.password)
    session = Session(client)

    def on_connect(c: paho.Client, u: object, flags: object, reason: Any, props: object) -> None:
        session.connack = reason
        session.answered.set()
        if not reason.is_failure:
            session.connected.set()

    def on_disconnect(c: paho.Client, u: object, flags: object, reason: Any, props: object) -> None:
        session.connack = session.connack or reason
        session.answered.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_publish = lambda c, u, mid, reason, props: session.on_puback(mid, reason)
    client.on_subscribe = lambda c, u, mid, reasons, props: session.suback.append(reasons[0])
    client.on_message = lambda c, u, message: session.received.append(message)
    client.reconnect_delay_set(5, 5)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
    client.loop_start()
    assert session.answered.wait(10), "the broker did not answer the CONNECT"
    return session
