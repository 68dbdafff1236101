"""paho-mqtt's client with its per-message costs taken out, and the hub's way to connect it.

This is the one module that touches paho's internals (private members of `paho.mqtt.client.Client`,
listed in `PAHO_INTERNALS`). They change between paho releases, so paho is pinned to `PAHO_PIN`
in pyproject.toml, and tests/transport/test_paho_pin.py fails on a paho outside the pin or one that
lacks any of them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.api.security import redacted
from hub.trust.tls import ConnectFailures, TlsFiles, client_context

PAHO_PIN = ">=2.2,<2.3"  # the versions whose internals `Client` is written against; pyproject.toml pins the same
# paho's private members that `Client` reads, writes or overrides (and `paho.time_func`, its clock)
PAHO_INTERNALS = ("_handle_publish", "_in_packet", "_keepalive", "_last_bytes_received", "_last_msg_out",
                  "_manual_ack", "_msgtime_mutex", "_out_packet", "_packet_queue", "_packet_write", "_protocol",
                  "_send_pingreq", "_send_puback", "_sock", "_sock_recv")
IN_PACKET_KEYS = ("command",)  # of paho's packet being read, `_in_packet`
SESSION_EXPIRY_S = 7 * 86400
RECEIVE_MAXIMUM = 1000  # unacknowledged QoS 1 messages the broker may send us at once (v5)
KEEPALIVE_S = 30  # the broker drops a connection it has heard nothing on for 1.5 × this
READ_CHUNK = 65536  # bytes taken from the socket at once by the network thread
WRITE_CHUNK = 65536  # bytes of batched PUBACKs / PUBLISHes queued as one write
# Writes (each ≤ WRITE_CHUNK) that may wait in paho's queue before the republish of a batch is shed.
# The network thread (the only writer) writes while it waits for room in the inbox (ROOM_WAIT_S in
# hub.transports.mqtt.ingest), so the republishes never queue in the hub without end; should the broker
# itself stop reading, QoS 0 being at most once, the batch's republish is dropped and counted
# (`republish_shed`) rather than queued, and the PUBACKs are not kept behind it.
REPUBLISH_QUEUE_LIMIT = 32
TLS_SCHEMES = ("mqtts", "ssl")
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

    connect_failures: ConnectFailures | None = None

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


def mqtt_client(url: str, client_id: str, *, v5: bool, persistent: bool, manual_ack: bool = False,
                tls: TlsFiles | None = None) -> Client:
    """A paho client for `mqtt://[user:password@]host:port` or `mqtts://…` (TLS with `tls`'s CA, certificate
    and key: hub.trust.tls), not yet connected. Why a connection fails is logged (hub.trust.tls.ConnectFailures)."""
    parts = urlparse(url)
    if parts.scheme not in ("mqtt", "tcp", "", *TLS_SCHEMES):
        raise ValueError(f"MQTT URL must be mqtt://host:port or mqtts://host:port, got {url!r}")
    protocol = paho.MQTTv5 if v5 else paho.MQTTv311
    client = Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol,
                    clean_session=None if v5 else not persistent, manual_ack=manual_ack)
    if parts.scheme in TLS_SCHEMES:
        client.tls_set_context(client_context(tls))
    failures = client.connect_failures = ConnectFailures(f"MQTT broker {redacted(url)}")
    # paho calls this inside its `except OSError` (ssl.SSLError is one): the exception is the one in hand
    client.on_connect_fail = lambda *_: failures.failed(sys.exc_info()[1])
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
    default_port = 8883 if parts.scheme in TLS_SCHEMES else 1883
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or default_port, "keepalive": keepalive,
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
