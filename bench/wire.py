"""The bench's MQTT load generator: QoS 1 PUBLISH packets written straight to the socket, PUBACKs counted.

A source simulator here must cost less than the hub it loads, or the machine measures the
producer: paho spends ≈ 100 µs of Python per QoS 1 message (message-info object, lock, queue and a
wake-up of its network thread each), which took most of a core at 7,500 messages/s. This writes
the MQTT 3.1.1 PUBLISHes due at once in one `sendall` (`publish_many`) and a reader thread counts
the PUBACKs, taking them a few milliseconds' worth at a time rather than waking for each, so at
most `window` messages are unacknowledged; nothing is retried, so a dropped connection fails the
run instead of being hidden. For the bench only: adapters and simulators use paho.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from hub.transports.mqtt.client import remaining_length

PUBACK, PINGRESP, CONNACK = 0x40, 0xD0, 0x20
ACK_NAP_S = 0.005  # PUBACKs are only counted (the window, flush): no need to wake for each


def packet(header: int, body: bytes) -> bytes:
    return bytes([header]) + remaining_length(len(body)) + body


def utf8(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


class QoS1Publisher:
    def __init__(self, host: str, port: int, client_id: str, *, window: int = 20_000, keepalive: int = 60) -> None:
        if not 0 < window < 65_535:
            raise ValueError("window must leave packet ids unique: 1 … 65,534")
        self.window, self.keepalive = window, keepalive
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connect = utf8("MQTT") + bytes([4, 0x02]) + keepalive.to_bytes(2, "big") + utf8(client_id)  # 3.1.1, clean
        self.sock.sendall(packet(0x10, connect))
        connack = self._read_exactly(4)
        if connack[0] != CONNACK or connack[3] != 0:
            raise ConnectionError(f"broker refused the connection: CONNACK {connack.hex()}")
        self.sock.settimeout(None)
        self.sent = self.acked = 0
        self.error: BaseException | None = None
        self._acks = threading.Condition()
        self._last_write = time.monotonic()
        self._closed = False
        self._reader = threading.Thread(target=self._read, name=f"{client_id}-acks", daemon=True)
        self._reader.start()

    def publish(self, topic: str, payload: bytes) -> None:
        self.publish_many([(topic, payload)])

    def publish_many(self, messages: list[tuple[str, bytes]]) -> None:
        """QoS 1 PUBLISHes, written in one `sendall` (at most `window` at once)."""
        if len(messages) > self.window:
            raise ValueError(f"{len(messages)} messages at once exceed the window of {self.window}")
        if self.sent + len(messages) - self.acked > self.window:
            with self._acks:
                if not self._acks.wait_for(
                        lambda: self.sent + len(messages) - self.acked <= self.window or self.error, 120):
                    raise TimeoutError("no PUBACK for 120 s")
        if self.error:
            raise ConnectionError(f"MQTT connection lost: {self.error}")
        packets = []
        for topic, payload in messages:
            mid = self.sent % 65_535 + 1
            self.sent += 1
            name = topic.encode()
            packets.append(packet(0x32, len(name).to_bytes(2, "big") + name + mid.to_bytes(2, "big") + payload))
        self.sock.sendall(b"".join(packets))
        self._last_write = time.monotonic()

    def flush(self, timeout: float = 120) -> None:
        """Wait until every message sent so far is acknowledged (the broker has it)."""
        deadline = time.monotonic() + timeout
        with self._acks:
            while self.acked < self.sent and not self.error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.sent - self.acked} messages not acknowledged in {timeout} s")
                self._acks.wait(0.5)
                self._ping_if_idle()
        if self.error:
            raise ConnectionError(f"MQTT connection lost: {self.error}")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        self.sock.close()

    def _ping_if_idle(self) -> None:
        if time.monotonic() - self._last_write > self.keepalive / 2:
            self.sock.sendall(b"\xc0\x00")  # PINGREQ
            self._last_write = time.monotonic()

    def _read_exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("broker closed the connection")
            data += chunk
        return data

    def _read(self) -> None:
        """Count PUBACKs (4 bytes each); skip PINGRESP; anything else is a protocol error."""
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("broker closed the connection")
                buf += chunk
                acks, pos = 0, 0
                while len(buf) - pos >= 2:
                    kind, length = buf[pos] & 0xF0, buf[pos + 1]
                    if kind == PUBACK and length == 2:
                        if len(buf) - pos < 4:
                            break
                        acks, pos = acks + 1, pos + 4
                    elif kind == PINGRESP and length == 0:
                        pos += 2
                    else:
                        raise ConnectionError(f"unexpected MQTT packet 0x{buf[pos]:02x} from the broker")
                buf = buf[pos:]
                if acks:
                    with self._acks:
                        self.acked += acks
                        self._acks.notify_all()
                if len(chunk) < 1024 and not self._closed:  # acks trickle in: take them a few ms' worth at a time
                    time.sleep(ACK_NAP_S)
        except (OSError, ConnectionError) as err:
            if not self._closed:
                with self._acks:
                    self.error = err
                    self._acks.notify_all()
