"""Faults the hub must live through without losing an event: its database going away mid-stream, its disk
filling up, and a live-map client that stops reading. (Broker restarts and SIGKILL of the hub are the
transport suite's, tests/transport/.)"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import websockets

from hub.settings import Settings
from tests.hostile import postgres
from tests.security.mosquitto import Mosquitto
from tests.security.mqtt import Session, login
from tests.security.test_mqtt_acl import SPOOFER, own_events
from tests.support import RunningHub, need, running_hub, wait_for

pytestmark = pytest.mark.integration


def publish(session: Session, events: list[dict[str, object]]) -> None:
    mids = [session.publish(SPOOFER.topic, orjson.dumps(e), wait=False) for e in events]
    for mid in mids:
        session.wait(mid)


def stored(hub: RunningHub) -> int:
    return hub.hub.pipeline.totals.stored


def ingest_healthy(hub: RunningHub) -> bool:
    return bool(hub.hub.ingests["mqtt"].worker.healthy)


@contextlib.contextmanager
def hub_on(broker: Mosquitto, tmp_path: Path, **settings: object) -> Iterator[RunningHub]:
    values = {"data_dir": tmp_path, "mqtt": broker.url(), "mqtt_client_id": f"hub-{tmp_path.name}"} | settings
    with running_hub(Settings(**values)) as hub:  # type: ignore[arg-type]
        assert hub.hub.ingests["mqtt"].connected.wait(10)
        yield hub


def test_database_restart_mid_stream_loses_nothing(broker: Mosquitto, tmp_path: Path) -> None:
    need(postgres.available() is None, str(postgres.available()))
    database = postgres.OwnPostgres()
    try:
        database.start()
        database.create_database()
        events = own_events(SPOOFER, 1200)
        with hub_on(broker, tmp_path, db=database.url) as hub:
            sender = login(broker.url(), "db-restart-sender")
            publish(sender, events[:400])
            wait_for(lambda: stored(hub) == 400, what="400 events stored")

            database.stop("fast")
            publish(sender, events[400:800])  # the broker takes them; the hub cannot store them
            wait_for(lambda: not ingest_healthy(hub), what="the hub to notice the database is gone")
            assert stored(hub) == 400, "the hub stored (and acknowledged) events with its database down"

            database.start()
            publish(sender, events[800:])
            wait_for(lambda: stored(hub) == 1200, timeout=60, what="all 1200 events stored after the restart")
            assert ingest_healthy(hub)
            assert hub.hub.store.counts() == {"events": 1200, "deadletters": 0}
            sender.close()
    finally:
        database.destroy()


@contextlib.contextmanager
def tiny_disk(size_mb: int) -> Iterator[Path]:
    """A tmpfs of `size_mb` mounted for the test: a real filesystem that really fills up."""
    mount = Path(tempfile.mkdtemp(prefix="cityhub-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        mount.rmdir()
        need(False, f"mounting a tmpfs (root with CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    # ENOSPC: the disk is full. Unbuffered, and the suppress outside the file: a buffered file that took part
    # of the last write flushed the rest on close, where ENOSPC came again after the suppress had ended
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
            os.fsync(handle.fileno())
    return filler


def test_full_disk_stops_ingest_until_space_returns(broker: Mosquitto, tmp_path: Path) -> None:
    events = own_events(SPOOFER, 3000)
    with tiny_disk(8) as disk, hub_on(broker, disk) as hub:
        sender = login(broker.url(), "disk-full-sender")
        publish(sender, events[:300])
        wait_for(lambda: stored(hub) == 300, what="300 events stored")

        filler = fill(disk)
        sent = 300
        while ingest_healthy(hub) and sent < len(events):  # the store fails once the WAL needs a new page
            publish(sender, events[sent:sent + 100])
            sent += 100
            wait_for(lambda n=sent: stored(hub) == n or not ingest_healthy(hub), what="the hub to store or fail")
        assert not ingest_healthy(hub), "the disk never filled up"
        publish(sender, events[sent:sent + 200])  # the broker keeps them while the hub cannot store
        sent += 200
        assert hub.get("/healthz").json()["transports"]["mqtt"]["healthy"] is False  # and says so

        filler.unlink()  # the operator frees space
        wait_for(lambda: stored(hub) == sent, timeout=60, what=f"all {sent} events stored once space returned")
        assert ingest_healthy(hub)
        assert hub.hub.store.counts() == {"events": sent, "deadletters": 0}
        sender.close()


class Watcher:
    """A live-map client that reads everything, in a thread of its own; collects the event ids it sees."""

    def __init__(self, url: str) -> None:
        self.ids: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._watch(url),), daemon=True)
        self.thread.start()

    async def _watch(self, url: str) -> None:
        async with websockets.connect(url, max_size=None) as ws:
            while not self.stop.is_set():
                with contextlib.suppress(TimeoutError, websockets.ConnectionClosed):
                    message = orjson.loads(await asyncio.wait_for(ws.recv(), 0.5))
                    self.ids.update(str(item["id"]) for item in message.get("items", []))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)


class StalledViewer:
    """A live-map client that completes the WebSocket handshake and then reads nothing at all."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET /ws/live HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          .encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(1)
        assert self.buffer.startswith(b"HTTP/1.1 101"), self.buffer
        self.buffer = b""

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            assert chunk, "the hub closed the stream"
            self.buffer += chunk
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def messages(self) -> Iterator[dict[str, object]]:
        """Start reading at last: the server's text frames (unmasked, unfragmented), decoded."""
        self.sock.settimeout(30)
        while True:
            opcode, length = self._take(2)
            length &= 0x7F
            if length == 126:
                length = struct.unpack("!H", self._take(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._take(8))[0]
            payload = self._take(length)
            if opcode & 0x0F == 0x1:
                yield orjson.loads(payload)

    def close(self) -> None:
        self.sock.close()


def shrink_server_buffers(hub: RunningHub, client: socket.socket) -> None:
    """Make the hub's side of this one connection buffer 4 KiB, not the megabytes a loopback socket takes:
    the stall then bites after a few hundred updates instead of after several thousand."""
    for connection in hub.server.server_state.connections:
        transport = getattr(connection, "transport", None)
        if transport is not None and transport.get_extra_info("peername") == client.getsockname():
            transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            transport.set_write_buffer_limits(high=4096)
            return
    raise AssertionError("the stalled viewer's connection is not among the server's")


def test_a_viewer_that_stops_reading_slows_neither_ingest_nor_other_viewers(broker: Mosquitto, tmp_path: Path) -> None:
    total = 6000
    events = own_events(SPOOFER, total)
    with hub_on(broker, tmp_path, live_buffer=300) as hub:
        # uvicorn closes a viewer that leaves its keepalive ping unanswered for 40 s; switched off here so
        # the stall lasts as long as this (possibly loaded) machine needs to ingest everything
        hub.server.config.ws_ping_interval = None
        stalled = StalledViewer(hub.url)
        wait_for(lambda: len(hub.hub.live.clients) == 1, what="the stalled viewer registered")
        (slow,) = hub.hub.live.clients
        shrink_server_buffers(hub, stalled.sock)
        watcher = Watcher(hub.url.replace("http", "ws") + "/ws/live")
        wait_for(lambda: len(hub.hub.live.clients) == 2, what="the reading viewer registered")

        sender = login(broker.url(), "stalled-viewer-sender")
        publish(sender, events)
        wait_for(lambda: stored(hub) == total, timeout=120, what=f"all {total} events stored with a viewer stalled")
        last = str(events[-1]["id"])
        wait_for(lambda: last in watcher.ids, timeout=30, what="the reading viewer to get the latest event")
        assert slow.dropped > 0 and len(slow.pending) == 300, "the stalled viewer's send never blocked"
        assert all(len(c.pending) <= 300 for c in hub.hub.live.clients), "a viewer's buffer outgrew its bound"

        received, dropped = set(), 0  # it reads at last: every update either arrives or is counted as dropped
        for message in stalled.messages():
            items = message.get("items", [])
            received.update(str(i["id"]) for i in items if i.get("kind") == "event")  # type: ignore[union-attr]
            dropped += int(message.get("dropped", 0))  # type: ignore[call-overload]
            if last in received:
                break
        assert dropped > 0 and len(received) + dropped >= total, (len(received), dropped)
        stalled.close()
        watcher.close()
        sender.close()
