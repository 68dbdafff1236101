"""MQTT ingest with paho-mqtt: QoS 1, a persistent session, PUBACK only after the batch is stored.

The hub's session outlives the hub: MQTT 5 session expiry (or v3.1.1 clean_session=False) keeps
its subscription at the broker, so what is published while the hub is down is queued there and
delivered when it comes back. A message is acknowledged only after the pipeline has stored or
dead-lettered it; whatever was not acknowledged when the hub died is sent again, and dedup by
(source, id) makes the repeat harmless. Several hubs share the load through an MQTT 5 shared
subscription (`$share/<group>/city/+/+`).
"""

from __future__ import annotations

import logging
import math
import threading
import time

import orjson
import paho.mqtt.client as paho
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub.api.security import redacted
from hub.events import DeadLetter, Event, Message
from hub.live import map_json
from hub.pipeline.process import Pipeline
from hub.transports.batching import BatchWorker
from hub.transports.mqtt.client import KEEPALIVE_S, RECEIVE_MAXIMUM, connect_async, mqtt_client, user_properties
from hub.trust.tls import TlsFiles

log = logging.getLogger(__name__)
TOPIC = "city/+/+"
INBOX_CAPACITY = 20000  # messages received and not yet taken by the batch worker
# How often the network thread, while it waits for room in the inbox, writes what is queued (the PUBACKs
# of stored batches, the republished items) and checks whether the connection needs a PINGREQ (every half
# keepalive): often enough that the republish of a full-speed drain is written as fast as it is queued.
ROOM_WAIT_S = 0.02


class MqttIngest:
    """Subscribes to city/+/+ at QoS 1; tokens are (connection, packet id) so a PUBACK never goes
    to a later connection, where the broker may already have reused the packet id."""

    def __init__(self, pipeline: Pipeline, url: str, *, client_id: str = "cityhub", v5: bool = True,
                 share_group: str | None = None, keepalive: int = KEEPALIVE_S,
                 inbox_capacity: int = INBOX_CAPACITY, tls: TlsFiles | None = None) -> None:
        self.url, self.v5, self.keepalive = url, v5, keepalive
        if share_group and not v5:
            log.warning("shared subscription $share/%s with MQTT 3.1.1: Mosquitto accepts it, "
                        "other brokers may not", share_group)
        self.share_group = share_group
        self.topic = f"$share/{share_group}/{TOPIC}" if share_group else TOPIC
        self.client = mqtt_client(url, client_id, v5=v5, persistent=True, manual_ack=True, tls=tls)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message  # MQTT 5 properties (binary mode), QoS 2
        self.client.fast_handler = self._on_publish  # everything else
        self.client.batch_handler = self._on_publishes  # the same, several already in the read buffer at once
        self.worker: BatchWorker[tuple[int, int, int]] = BatchWorker(pipeline, self._ack, name="mqtt-ingest",
                                                                      capacity=inbox_capacity)
        self.connected = threading.Event()  # subscribed: set on the SUBACK, not on the CONNACK
        self._subscribe_mid: int | None = None
        self.connections = 0  # successful connections so far; a reconnect makes it grow
        self.stale_acks = 0  # acknowledgements dropped because their connection had gone
        self.republish_shed = 0  # normalized events not republished because the broker was not reading
        self.unacked = 0  # QoS 1/2 messages received on this connection and not yet acknowledged
        self.unacked_peak = 0  # the most at once, on any connection
        self._over_logged = False
        self._shed_logged_at = -math.inf
        self._closing = False
        self._last_message_at = 0.0
        self._session = threading.Lock()  # a connection number and its PUBACKs change together
        pipeline.sinks.append(self.republish)

    def start(self) -> None:
        self.worker.start()
        connect_async(self.client, self.url, v5=self.v5, persistent=True, keepalive=self.keepalive)
        self.client.loop_start()

    def stop(self) -> None:
        """Take nothing new, store and acknowledge what is in hand, then disconnect. Alone, the hub keeps
        its subscription so the broker queues for it; in a share group it leaves the group first, so
        the broker gives the others what this one would have got, and drains what it already has."""
        if self.share_group and self.client.is_connected():
            self._leave_share_group()
        self._closing = True
        self.worker.stop()
        self.client.disconnect()
        self.client.loop_stop()

    def status(self) -> dict[str, object]:
        return {"connected": self.connected.is_set(), "connections": self.connections, "healthy": self.worker.healthy,
                "backlog": self.worker.inbox.qsize(), "stale_acks": self.stale_acks,
                "republish_shed": self.republish_shed, "unacked": self.unacked, "unacked_peak": self.unacked_peak,
                "last_stored_at": self.worker.last_stored_at}

    def _leave_share_group(self, quiet_s: float = 0.5, limit_s: float = 10) -> None:
        self.client.unsubscribe(self.topic)
        self._last_message_at = time.monotonic()
        deadline = time.monotonic() + limit_s
        while time.monotonic() - self._last_message_at < quiet_s and time.monotonic() < deadline:
            time.sleep(0.05)
        self.worker.drain(max(0.0, deadline - time.monotonic()))

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT broker %s refused the hub: %s", redacted(self.url), reason)
            return
        resumed = getattr(flags, "session_present", False)
        with self._session:
            self.connections += 1
            self.unacked = 0  # the broker resends what was in flight; counted again as it comes
        log.info("MQTT connected to %s (session %s); subscribing to %s", redacted(self.url),
                 "resumed" if resumed else "new", self.topic)
        self._subscribe_mid = client.subscribe(self.topic, qos=1)[1]

    def _on_subscribe(self, client: paho.Client, userdata: object, mid: int, reasons: list[ReasonCode],
                      props: Properties) -> None:
        """Connected once the broker has granted the subscription: a message published after that reaches the
        hub. (Set on the CONNACK instead, a test or an operator could publish in the gap and, on a clean
        session, lose it.)"""
        if mid != self._subscribe_mid:
            return
        refused = [r for r in reasons if r.is_failure]
        if refused:
            log.error("MQTT broker %s refused the hub's subscription to %s: %s", redacted(self.url), self.topic,
                      refused[0])
            return
        self.connected.set()

    def _on_disconnect(self, client: paho.Client, userdata: object, flags: object, reason: object,
                       props: object) -> None:
        self.connected.clear()
        if not self._closing:
            log.warning("MQTT disconnected from %s (%s); reconnecting with backoff", redacted(self.url), reason)

    def _on_message(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        if self._closing:
            return  # not acknowledged: the broker sends it again to the next session
        self._last_message_at = time.monotonic()
        message = Message(bytes(msg.payload), msg.topic, "mqtt", headers=user_properties(msg))
        self._hand_over([(message, (self.connections, msg.mid, msg.qos))])

    def _on_publish(self, topic: str, payload: bytes, mid: int, qos: int) -> None:
        if self._closing:
            return  # not acknowledged: the broker sends it again to the next session
        self._last_message_at = time.monotonic()
        self._hand_over([(Message(payload, topic, "mqtt"), (self.connections, mid, qos))])

    def _on_publishes(self, publishes: list[tuple[str, bytes, int, int]]) -> None:
        if self._closing:
            return  # not acknowledged: the broker sends them again to the next session
        self._last_message_at = time.monotonic()
        connection = self.connections
        self._hand_over([(Message(payload, topic, "mqtt"), (connection, mid, qos))
                         for topic, payload, mid, qos in publishes])

    def _hand_over(self, pairs: list[tuple[Message, tuple[int, int, int]]]) -> None:
        """Into the inbox, on the network thread. While the inbox is full this waits, and the broker keeps
        the rest in flight; meanwhile the connection is kept alive (`Client.keep_connection`): blocked without
        writing, a store that stalled for 1.5 × the keepalive got the hub dropped by the broker, and the
        reconnect brought everything not yet acknowledged a second time."""
        qos_count = sum(1 for _, (_, _, qos) in pairs if qos)
        if qos_count:
            with self._session:
                self.unacked += qos_count
                unacked = self.unacked
            if unacked > self.unacked_peak:
                self.unacked_peak = unacked
                if self.v5 and unacked > RECEIVE_MAXIMUM and not self._over_logged:
                    self._over_logged = True
                    log.warning("the MQTT broker has %d messages out to the hub unacknowledged, more than the "
                                "Receive Maximum (%d) the hub asked for: Mosquitto before 2.0.13 lets each "
                                "in-order PUBACK release up to %d more (its issue #2306). Nothing is lost; the "
                                "hub's inbox then holds up to %d and a reconnect brings all of them again",
                                unacked, RECEIVE_MAXIMUM, RECEIVE_MAXIMUM, self.worker.inbox.capacity)
        self.worker.put_many(pairs, self.client.keep_connection, every_s=ROOM_WAIT_S)

    def _ack(self, tokens: list[tuple[int, int, int]]) -> None:
        with self._session:
            current = self.connections if self.client.is_connected() else -1
            mids = []
            for connection, mid, qos in tokens:
                if not qos:
                    continue  # QoS 0 needs no acknowledgement
                if connection != current:
                    self.stale_acks += 1  # the broker redelivers it; dedup makes that harmless
                elif qos == 1:
                    mids.append(mid)
                    self.unacked -= 1
                else:
                    self.client.ack(mid, qos)
                    self.unacked -= 1
            self.client.ack_many(mids)

    def republish(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """Normalized events to hub/events/<district>/<domain>, dead letters to hub/deadletter."""
        if not self.client.is_connected():
            return
        messages = []
        for event, body in zip(fresh, map_json(fresh), strict=True):
            hub = event.hub
            district = hub.district_code if hub and hub.district_code else "unplaced"
            messages.append((f"hub/events/{district}/{event.domain}", body))
        for letter in dead:
            messages.append(("hub/deadletter", orjson.dumps(
                {"reason": letter.reason, "transport": letter.transport, "topic": letter.topic,
                 "partition": letter.partition, "offset": letter.offset, "received_at": letter.received_at,
                 "raw": letter.raw.decode("utf-8", "replace")[:2000]})))
        if not self.client.publish_many(messages):
            self.republish_shed += len(messages)
            if time.monotonic() - self._shed_logged_at > 60:
                self._shed_logged_at = time.monotonic()
                log.warning("the broker is not taking the hub's writes fast enough: republish shed "
                            "(QoS 0), %d events so far; stored and acknowledged as usual", self.republish_shed)
