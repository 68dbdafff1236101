"""The live stream behind `WS /ws/live`: normalized events and incident changes as they happen.

Every client has its own bounded buffer. An update is encoded to JSON once, when it is published,
and every client's buffer shares those bytes; a flush only joins them into one message. A client
is flushed as soon as updates arrive if its last flush is at least `flush_s` old; under load the
updates that arrive meanwhile are coalesced into its next message. A client too slow to keep up
loses the oldest updates (and is told how many), so a slow map can never slow ingest or grow the
hub's memory.

A client opened by a user with an area (a district, a town, a department; hub/people) takes only the
updates placed inside it: each update carries its place beside its bytes while any such client is
connected, and the others share the bytes as before.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from hub.events import DeadLetter, Event
from hub.people.scopes import Area

log = logging.getLogger(__name__)
EVENT_KIND = b'{"kind":"event",'
PREVIEW_KIND = b'{"kind":"event","preview":true,'  # seen by the fresh view, not yet stored
Place = tuple[str | None, str | None, str | None]  # district, town, department of an update


def event_places(events: list[Event]) -> list[Place]:
    return [(e.hub.district_code, e.hub.town_code, e.hub.department) if e.hub else (None, None, None)
            for e in events]


def item_place(item: dict[str, Any]) -> Place:
    town = item.get("town_code") or (str(item.get("grid_code") or "")[:9] or None)
    return item.get("district_code"), town, item.get("department")


def map_item(event: Event) -> dict[str, Any]:
    hub = event.hub
    assert hub is not None
    return {
        "uid": hub.uid, "id": event.ce["id"], "source": event.ce["source"], "type": event.ce["type"],
        "domain": event.domain, "time": event.ce["time"], "lon": hub.lon, "lat": hub.lat,
        "grid_code": hub.grid_code, "district_code": hub.district_code, "district_name": hub.district_name,
        "town_code": hub.town_code, "town_name": hub.town_name, "severity": hub.severity,
        "department": hub.department, "address": hub.standard_address, "alarms": hub.alarms,
        "received_at": hub.received_at,
        "data": {k: v for k, v in event.ce["data"].items() if k != "location"},
    }


_last_batch: tuple[list[Event], list[bytes]] | None = None


def map_json(events: list[Event]) -> list[bytes]:
    """`orjson.dumps(map_item(e))` for each event. The sinks of one batch (the live stream, the MQTT
    republish) receive the same list: the answer for the latest list is kept, so it is encoded once."""
    global _last_batch
    last = _last_batch
    if last is not None and last[0] is events:
        return last[1]
    encoded = [orjson.dumps(map_item(e)) for e in events]
    _last_batch = (events, encoded)  # one assignment: another thread sees the old pair or the new one
    return encoded


class Client:
    def __init__(self, limit: int, area: Area | None = None) -> None:
        self.area = area  # None: the whole city
        self.pending: deque[bytes] = deque(maxlen=limit)  # encoded items, shared with the other clients
        self.dropped = 0
        self.closed = False
        self.wake = asyncio.Event()  # set in the event loop only
        self.lock = threading.Lock()  # offer() runs in the ingest threads, frame() in the event loop

    def offer(self, items: list[bytes], places: list[Place] | None = None) -> None:
        if self.area is not None:  # only what is placed inside the area; nothing unplaced
            admits = self.area.admits
            items = [b for b, p in zip(items, places or (), strict=False) if admits(*p)]
            if not items:
                return
        with self.lock:
            overflow = len(self.pending) + len(items) - (self.pending.maxlen or 0)
            if overflow > 0:
                self.dropped += overflow
            self.pending.extend(items)

    def frame(self) -> tuple[str, int]:
        """Everything pending as one message (the JSON of {"kind": "batch", "items": [...], "dropped": n}),
        and how many items it holds."""
        with self.lock:
            count = len(self.pending)
            body = b'{"kind":"batch","items":[' + b",".join(self.pending) + b'],"dropped":%d}' % self.dropped
            self.pending.clear()
            self.dropped = 0
        return body.decode(), count


class LiveStream:
    def __init__(self, buffer_per_client: int = 5000, flush_s: float = 0.01) -> None:
        self.buffer_per_client = buffer_per_client
        self.flush_s = flush_s  # the shortest time between two messages to one client
        self.clients: set[Client] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent = 0
        self._wake_pending = False  # one wake-up at most waits in the event loop, however far behind it is
        # While the store lane works through a backlog, the fresh view shows the newest events and the stored
        # ones (as old as the backlog is long) are held back from the map: counted, never queued.
        self.holding: set[str] = set()  # the transports whose fresh view is open
        self.held_back = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """Pipeline sink; called from an ingest thread."""
        if fresh and self.clients and not self._held_back(len(fresh)):
            self._hand_over([EVENT_KIND + body[1:] for body in map_json(fresh)],
                            event_places(fresh) if self._scoped() else None)

    def relay(self, items: list[dict[str, Any]]) -> bool:
        """Map items of events a worker stored and republished (hub.transports.kafka.feed), held back like the
        sink's while a fresh view is open; True if they were handed on."""
        if not items or self._held_back(len(items)):
            return False
        self.publish("event", items)
        return True

    def _held_back(self, count: int) -> bool:
        """While a fresh view is open, stored events are counted in `held_back`, not shown."""
        if self.holding:
            self.held_back += count
            return True
        return False

    def hold_back(self, transport: str, on: bool) -> None:
        """While a transport's fresh view is open, the stored events are held back from the map."""
        if on:
            self.holding.add(transport)
        else:
            self.holding.discard(transport)

    def preview(self, events: list[Event]) -> None:
        """Events normalized and not yet stored (hub.transports.fresh_view), marked `"preview": true`."""
        if events and self.clients:
            self._hand_over([PREVIEW_KIND + orjson.dumps(map_item(e))[1:] for e in events],
                            event_places(events) if self._scoped() else None)

    def publish(self, kind: str, items: list[dict[str, Any]]) -> None:
        """Hand fresh item dicts to every client. The stream owns them from here: each is tagged with its
        kind in place and encoded once; every client's buffer shares the bytes."""
        if self.loop is not None and not self.loop.is_closed():
            for item in items:
                item.setdefault("kind", kind)
            self._hand_over([orjson.dumps(item) for item in items],
                            [item_place(item) for item in items] if self._scoped() else None)

    def _scoped(self) -> bool:
        """Whether any client takes only an area's updates (then updates carry their places)."""
        return any(client.area is not None for client in tuple(self.clients))

    def _hand_over(self, encoded: list[bytes], places: list[Place] | None = None) -> None:
        """Straight into every client's bounded buffer, then one wake-up for the event loop: a loop that
        falls behind the ingest threads holds one pending call, not every batch since (the buffers
        shed the oldest items instead)."""
        loop = self.loop
        if loop is None or loop.is_closed() or not encoded:
            return
        for client in tuple(self.clients):
            client.offer(encoded, places)
        if not self._wake_pending:
            self._wake_pending = True
            try:
                loop.call_soon_threadsafe(self._wake_all)
            except RuntimeError:  # the loop closed meanwhile
                self._wake_pending = False

    def _wake_all(self) -> None:
        self._wake_pending = False
        for client in self.clients:
            client.wake.set()

    async def serve(self, websocket: WebSocket, area: Area | None = None) -> None:
        await websocket.accept()
        client = Client(self.buffer_per_client, None if area is None or area.whole_city else area)
        self.clients.add(client)
        watcher = asyncio.create_task(self._watch_close(websocket, client))
        loop = asyncio.get_running_loop()
        try:
            await websocket.send_text(orjson.dumps({"kind": "hello", "flush_ms": self.flush_s * 1000}).decode())
            last = 0.0
            while True:
                await client.wake.wait()
                if client.closed:
                    break
                gap = last + self.flush_s - loop.time()
                if gap > 0:  # sent a moment ago: let what else comes meanwhile join this message
                    await asyncio.sleep(gap)
                    if client.closed:
                        break
                client.wake.clear()
                text, count = client.frame()
                if not count:  # a wake-up for items an earlier message already took
                    continue
                await websocket.send_text(text)
                self.sent += count
                last = loop.time()
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
