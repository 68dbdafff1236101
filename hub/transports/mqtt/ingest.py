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
from collections.abc import Callable
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from hub.api.security import redacted
from hub.events import DeadLetter, Event, Message
from hub.live import map_json
from hub.pipeline.process import Pipeline
from hub.transports.batching import BatchWorker

log = logging.getLogger(__name__)
TOPIC = "city/+/+"
SESSION_EXPIRY_S = 7 * 86400
RECEIVE_MAXIMUM = 1000  # unacknowledged QoS 1 messages the broker may send us at once (v5)
KEEPALIVE_S = 30  # the broker drops a connection it has heard nothing on for 1.5 × this
INBOX_CAPACITY = 20000  # messages received and not yet taken by the batch worker
# How often the network thread, while it waits for room in the inbox, writes what is queued (the PUBACKs
# of stored batches, the republished items) and checks whether the connection needs a PINGREQ (every half
# keepalive). At 1 s the republish of a full-speed drain queued faster than it was written.
ROOM_WAIT_S = 0.02
READ_CHUNK = 65536  # bytes taken from the socket at once by the network thread
WRITE_CHUNK = 65536  # bytes of batched PUBACKs / PUBLISHes queued as one write
# Writes (each ≤ WRITE_CHUNK) that may wait in paho's queue before the republish of a batch is shed.
# Draining a backlog at full speed, the network thread (the only writer) sat waiting for room in the full
# inbox, and the republishes queued in the hub without end: ≈ 0.66 KB of memory per event, 400 MB over
# 600,000 events, while the socket's send queue to the broker was empty. The thread now writes while it
# waits (ROOM_WAIT_S); should the broker itself stop reading, QoS 0 being at most once, the batch's
# republish is dropped and counted (`republish_shed`) rather than queued, and the PUBACKs are not kept
# behind it.
REPUBLISH_QUEUE_LIMIT = 32
FastHandler = Callable[[str, bytes, int, int], None]  # (topic, payload, packet id, QoS)
BatchHandler = Callable[[list[tuple[str, bytes, int, int]]], None]  # several of them, in arrival order


def remaining_length(n: int) -> bytes:
    """A packet's remaining length as MQTT's variable byte integer (3.1.1 §2.2.3, 5.0 §1.5.5)."""
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish_body(buf: bytes | bytearray, first: int, last: int, qos: int, v5: bool) -> tuple[str, int, int] | None:
    """The variable header of a QoS 0/1 PUBLISH whose body is buf[first:last]: (topic, where the payload
    starts, packet id). None for what the direct path leaves to paho: MQTT 5 properties, an empty or
    non-UTF-8 topic, a body too short for its header (malformed)."""
    if last - first < 2:
        return None
    topic_end = first + 2 + ((buf[first] << 8) | buf[first + 1])
    start = topic_end + 2 if qos else topic_end
    if v5:
        if start >= last or buf[start] != 0:  # properties (or malformed)
            return None
        start += 1
    if topic_end == first + 2 or start > last:
        return None
    try:
        topic = buf[first + 2:topic_end].decode()
    except UnicodeDecodeError:
        return None
    return topic, start, (buf[topic_end] << 8) | buf[topic_end + 1] if qos else 0


class Client(paho.Client):
    """paho's client with three per-message costs of its network thread taken out.

    - Reading: paho asks the socket for a packet's first byte, then each remaining-length byte, then
      the rest, one `recv` each; every `recv` lets go of the interpreter lock, and under load getting it
      back waits for the switch interval (5 ms). Here the socket is read in chunks of `READ_CHUNK`
      and every packet already in hand is handled before the thread waits again.
    - Receiving: with `fast_handler` set, a QoS 0/1 PUBLISH without MQTT 5 properties goes straight
      to it as (topic, payload, packet id, QoS), without paho's message, message-info and condition
      objects. Anything else (properties, i.e. binary-mode CloudEvents; QoS 2) takes paho's own path.
      With `batch_handler` set too (and manual acknowledgement), the PUBLISHes already whole in the read
      buffer are parsed there and handed over as one list, without paho's per-packet reads and state.
    - Sending: `ack_many` and `publish_many` queue the PUBACKs or QoS 0 PUBLISHes of a whole batch as
      a few writes instead of one queued packet (and one wake-up of the network thread) each.
    """

    fast_handler: FastHandler | None = None
    batch_handler: BatchHandler | None = None
    _rbuf: bytes = b""
    _rpos = 0
    _rsock: object = None

    def _sock_recv(self, bufsize: int) -> bytes:
        buf, pos = self._rbuf, self._rpos
        if pos >= len(buf) or self._rsock is not self._sock:  # nothing in hand (for this connection)
            data = super()._sock_recv(max(bufsize, READ_CHUNK))
            if len(data) <= bufsize:
                self._rbuf, self._rpos = b"", 0
                return data
            self._rbuf, self._rpos, self._rsock = data, bufsize, self._sock
            return data[:bufsize]
        self._rpos = pos + bufsize
        return buf[pos:pos + bufsize]

    def _buffered(self) -> bool:
        return self._rpos < len(self._rbuf) and self._rsock is self._sock and self._sock is not None

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        rc = super().loop_read(max_packets)
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and self._buffered():
            if self.batch_handler is not None and self._in_packet["command"] == 0 and self._take_publishes():
                continue
            rc = super().loop_read(max_packets)
        return rc

    def _take_publishes(self) -> bool:
        """Hand every complete QoS 0/1 PUBLISH without properties at the front of the read buffer to
        `batch_handler` in one call; stop at anything else (another packet type, QoS 2, properties, a packet
        not yet whole), which paho's own path reads next. True when at least one was taken."""
        handler = self.batch_handler
        if handler is None or not self._manual_ack:
            return False
        buf, pos, end = self._rbuf, self._rpos, len(self._rbuf)
        v5 = self._protocol == paho.MQTTv5
        taken: list[tuple[str, bytes, int, int]] = []
        while pos < end:
            header = buf[pos]
            qos = (header & 0x06) >> 1
            if header & 0xF0 != 0x30 or qos > 1:
                break
            length, shift, i = 0, 0, pos + 1
            while i < end and shift < 28:
                byte = buf[i]
                i += 1
                length |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            else:
                break  # the length is not all here yet (or malformed): paho's path
            last = i + length
            if last > end:
                break
            body = publish_body(buf, i, last, qos, v5)
            if body is None:
                break
            topic, start, mid = body
            taken.append((topic, buf[start:last], mid, qos))
            pos = last
        if not taken:
            return False
        self._rpos = pos
        with self._msgtime_mutex:
            self._last_bytes_received = paho.time_func()
        handler(taken)  # may wait for room in the inbox: the read above is not the last thing heard then
        with self._msgtime_mutex:
            self._last_bytes_received = paho.time_func()
        return True

    _pinged_at = 0.0

    def keep_connection(self) -> None:
        """For the network thread while it waits (for room in the hub's inbox) instead of running paho's loop:
        write what is queued (the PUBACKs of the batches stored meanwhile) and a PINGREQ every half keepalive,
        so the broker hears from us and does not drop the session. Nothing is read meanwhile: the broker's
        answers wait in the socket and are read when the wait ends. A write that fails is left to the read
        path, which sees the broken connection and reconnects."""
        if self._sock is None or not self.is_connected():
            return
        now = paho.time_func()
        if self._keepalive and now - self._pinged_at >= self._keepalive / 2:
            self._pinged_at = now
            self._send_pingreq()
            with self._msgtime_mutex:
                self._last_msg_out = now
        if self._out_packet:
            self._packet_write()

    def _handle_publish(self) -> MQTTErrorCode:
        handler = self.fast_handler
        header, packet = self._in_packet["command"], self._in_packet["packet"]
        qos = (header & 0x06) >> 1
        body = None if handler is None or qos > 1 else publish_body(packet, 0, len(packet), qos,
                                                                    self._protocol == paho.MQTTv5)
        if handler is None or body is None:
            return super()._handle_publish()
        topic, start, mid = body
        handler(topic, bytes(memoryview(packet)[start:]), mid, qos)
        if qos and not self._manual_ack:
            return self._send_puback(mid)
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_many(self, mids: list[int]) -> None:
        """PUBACK (success) for each QoS 1 packet id, in order, queued as a few writes."""
        for start in range(0, len(mids), WRITE_CHUNK // 4):
            packet = b"".join(b"\x40\x02" + mid.to_bytes(2, "big") for mid in mids[start:start + WRITE_CHUNK // 4])
            self._packet_queue(paho.PUBACK, packet, 0, 1)

    def publish_many(self, messages: list[tuple[str, bytes]]) -> bool:
        """QoS 0, not retained, no properties; queued as a few writes. Lost, like any QoS 0 message,
        if the connection drops before they are written. False, and nothing queued, when more than
        REPUBLISH_QUEUE_LIMIT writes are still waiting for the socket."""
        if len(self._out_packet) > REPUBLISH_QUEUE_LIMIT:
            return False
        v5 = self._protocol == paho.MQTTv5
        parts: list[bytes] = []
        size = 0
        for topic, payload in messages:
            name = topic.encode()
            head = b"\x30" + remaining_length(2 + len(name) + len(payload) + v5)
            parts.append(head + len(name).to_bytes(2, "big") + name + (b"\x00" if v5 else b"") + payload)
            size += len(parts[-1])
            if size >= WRITE_CHUNK:
                self._queue_publishes(parts)
                parts, size = [], 0
        if parts:
            self._queue_publishes(parts)
        return True

    def _queue_publishes(self, parts: list[bytes]) -> None:
        self._packet_queue(paho.PUBLISH, b"".join(parts), 0, 0, paho.MQTTMessageInfo(0))


def mqtt_client(url: str, client_id: str, *, v5: bool, persistent: bool, manual_ack: bool = False) -> Client:
    """A paho client for `mqtt://[user:password@]host:port`, not yet connected."""
    parts = urlparse(url)
    if parts.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"MQTT URL must be mqtt://host:port, got {url!r}")
    protocol = paho.MQTTv5 if v5 else paho.MQTTv311
    client = Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                    clean_session=None if v5 else not persistent, manual_ack=manual_ack)
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(1, 10)
    return client


def connect_args(url: str, *, v5: bool, persistent: bool, keepalive: int = KEEPALIVE_S) -> dict[str, object]:
    parts = urlparse(url)
    props = None
    if v5:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S if persistent else 0
        props.ReceiveMaximum = RECEIVE_MAXIMUM
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or 1883, "keepalive": keepalive,
            "clean_start": (not persistent) if v5 else paho.MQTT_CLEAN_START_FIRST_ONLY, "properties": props}


def connect(client: paho.Client, url: str, *, v5: bool, persistent: bool, keepalive: int = KEEPALIVE_S) -> None:
    """Connect now; raises OSError when the broker cannot be reached."""
    client.connect(**connect_args(url, v5=v5, persistent=persistent, keepalive=keepalive))  # type: ignore[arg-type]


def connect_async(client: paho.Client, url: str, *, v5: bool, persistent: bool,
                  keepalive: int = KEEPALIVE_S) -> None:
    """Connect from the network loop, retrying with backoff until the broker is there."""
    client.connect_async(**connect_args(url, v5=v5, persistent=persistent, keepalive=keepalive))  # type: ignore[arg-type]


def user_properties(msg: paho.MQTTMessage) -> tuple[tuple[str, bytes], ...]:
    """MQTT 5 user properties (and the content type) as headers: the CloudEvents binary mode."""
    props = getattr(msg, "properties", None)
    if props is None:
        return ()
    headers = [(str(k), str(v).encode()) for k, v in getattr(props, "UserProperty", []) or []]
    content_type = getattr(props, "ContentType", None)
    if content_type and headers:
        headers.append(("datacontenttype", str(content_type).encode()))
    return tuple(headers)


class MqttIngest:
    """Subscribes to city/+/+ at QoS 1; tokens are (connection, packet id) so a PUBACK never goes
    to a later connection, where the broker may already have reused the packet id."""

    def __init__(self, pipeline: Pipeline, url: str, *, client_id: str = "cityhub", v5: bool = True,
                 share_group: str | None = None, keepalive: int = KEEPALIVE_S,
                 inbox_capacity: int = INBOX_CAPACITY) -> None:
        self.url, self.v5, self.keepalive = url, v5, keepalive
        if share_group and not v5:
            log.warning("shared subscription $share/%s with MQTT 3.1.1: Mosquitto accepts it, "
                        "other brokers may not", share_group)
        self.share_group = share_group
        self.topic = f"$share/{share_group}/{TOPIC}" if share_group else TOPIC
        self.client = mqtt_client(url, client_id, v5=v5, persistent=True, manual_ack=True)
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
