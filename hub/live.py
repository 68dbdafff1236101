"""The live stream behind `WS /ws/live`: normalized events and incident changes as they happen.

Every client has its own bounded buffer. Updates are coalesced into one message per flush
interval; a client too slow to keep up loses the oldest updates (and is told how many),
so a slow map can never slow ingest or grow the hub's memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from hub.events import DeadLetter, Event

log = logging.getLogger(__name__)


def map_item(event: Event) -> dict[str, Any]:
    hub = event.hub
    assert hub is not None
    return {
        "uid": hub.uid, "id": event.ce["id"], "source": event.ce["source"], "type": event.ce["type"],
        "domain": event.domain, "time": event.ce["time"], "lon": hub.lon, "lat": hub.lat,
        "grid_code": hub.grid_code, "district_code": hub.district_code, "district_name": hub.district_name,
        "town_code": hub.town_code, "town_name": hub.town_name, "severity": hub.severity,
        "department": hub.department, "address": hub.standard_address, "alarms": hub.alarms,
        "data": {k: v for k, v in event.ce["data"].items() if k != "location"},
    }


class Client:
    def __init__(self, limit: int) -> None:
        self.pending: deque[dict[str, Any]] = deque(maxlen=limit)
        self.dropped = 0
        self.closed = False
        self.wake = asyncio.Event()

    def offer(self, items: list[dict[str, Any]]) -> None:
        room = self.pending.maxlen or 0
        overflow = len(self.pending) + len(items) - room
        if overflow > 0:
            self.dropped += overflow
        self.pending.extend(items)
        self.wake.set()


class LiveStream:
    def __init__(self, buffer_per_client: int = 5000, flush_s: float = 0.1) -> None:
        self.buffer_per_client = buffer_per_client
        self.flush_s = flush_s
        self.clients: set[Client] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """Pipeline sink; called from an ingest thread."""
        if fresh and self.clients:
            self.publish("event", [map_item(e) for e in fresh])

    def publish(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Hand fresh item dicts to every client. The stream owns them from here: each is tagged with its
        kind in place, once, and every client's buffer shares it (no copy per item per client)."""
        if self.loop is not None and not self.loop.is_closed():
            for item in items:
                item.setdefault("kind", kind)
            self.loop.call_soon_threadsafe(self._fan_out, items)

    def _fan_out(self, items: list[dict[str, Any]]) -> None:
        for client in self.clients:
            client.offer(items)

    async def serve(self, websocket: WebSocket) -> None:
        await websocket.accept()
        client = Client(self.buffer_per_client)
        self.clients.add(client)
        watcher = asyncio.create_task(self._watch_close(websocket, client))
        try:
            await websocket.send_text(orjson.dumps({"kind": "hello", "flush_ms": self.flush_s * 1000}).decode())
            while True:
                await client.wake.wait()
                if client.closed:
                    break
                client.wake.clear()
                batch = list(client.pending)
                client.pending.clear()
                message = {"kind": "batch", "items": batch, "dropped": client.dropped}
                client.dropped = 0
                await websocket.send_text(orjson.dumps(message).decode())
                self.sent += len(batch)
                await asyncio.sleep(self.flush_s)
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            pass
        finally:
            watcher.cancel()
            self.clients.discard(client)

    @staticmethod
    async def _watch_close(websocket: WebSocket, client: Client) -> None:
        """The map sends nothing, but reading notices at once when it goes away, events flowing or not."""
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        except Exception:
            pass
        client.closed = True
        client.wake.set()
