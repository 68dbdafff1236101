"""A map client for the benchmark: a real WebSocket on `/ws/live` that timestamps every event's arrival."""

from __future__ import annotations

import asyncio
import threading
import time

import orjson
import websockets


class LiveClient:
    """Runs in a thread of its own; `arrivals` maps (source, id) to the wall-clock time the event came."""

    def __init__(self, hub_url: str) -> None:
        self.url = hub_url.replace("http://", "ws://") + "/ws/live"
        self.arrivals: dict[tuple[str, str], float] = {}
        self.received: dict[tuple[str, str], float] = {}  # when the hub's transport took it (`received_at`)
        self.previews: set[tuple[str, str]] = set()  # first shown by a fresh view, before it was stored
        self.dropped = 0  # what the hub says it shed for this client
        self.messages = 0
        self.bytes = 0
        self.ready = threading.Event()
        self.error: str | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name="bench-live", daemon=True)

    def start(self, timeout: float = 15) -> None:
        self._thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError(f"no hello on {self.url} within {timeout} s: {self.error}")
        if self.error:
            raise RuntimeError(f"live stream {self.url}: {self.error}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def arrived(self, keys: list[tuple[str, str]]) -> int:
        return sum(1 for k in keys if k in self.arrivals)

    def _run(self) -> None:
        try:
            asyncio.run(self._listen())
        except Exception as err:  # reported to the caller, who decides
            self.error = f"{type(err).__name__}: {err}"
            self.ready.set()

    async def _listen(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with websockets.connect(self.url, max_size=None, ping_interval=None) as ws:
            hello = orjson.loads(await ws.recv())
            if hello.get("kind") != "hello":
                raise RuntimeError(f"expected hello, got {hello.get('kind')!r}")
            self.ready.set()
            stopping = asyncio.ensure_future(self._stop.wait())
            while not self._stop.is_set():
                receiving = asyncio.ensure_future(ws.recv())
                done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if receiving not in done:
                    receiving.cancel()
                    break
                self._take(receiving.result())

    def _take(self, frame: str | bytes) -> None:
        now = time.time()
        self.messages += 1
        self.bytes += len(frame)
        message = orjson.loads(frame)
        self.dropped += int(message.get("dropped") or 0)
        for item in message.get("items", ()):
            if item.get("kind") == "event":
                key = (item["source"], item["id"])
                if key not in self.arrivals:
                    self.arrivals[key] = now
                    if item.get("received_at") is not None:
                        self.received[key] = item["received_at"]
                    if item.get("preview"):
                        self.previews.add(key)


class LiveClients:
    """One map client per hub worker (each worker's live stream carries the events it took)."""

    def __init__(self, urls: list[str]) -> None:
        self.clients = [LiveClient(url) for url in urls]

    def start(self) -> None:
        for client in self.clients:
            client.start()

    def stop(self) -> None:
        for client in self.clients:
            client.stop()

    def arrived(self, keys: list[tuple[str, str]]) -> int:
        return sum(1 for k in keys if any(k in c.arrivals for c in self.clients))

    def arrivals(self) -> dict[tuple[str, str], float]:
        merged: dict[tuple[str, str], float] = {}
        for client in self.clients:
            merged.update(client.arrivals)
        return merged

    def received(self) -> dict[tuple[str, str], float]:
        merged: dict[tuple[str, str], float] = {}
        for client in self.clients:
            merged.update(client.received)
        return merged

    def previews(self) -> set[tuple[str, str]]:
        return set().union(*(c.previews for c in self.clients))

    @property
    def dropped(self) -> int:
        return sum(c.dropped for c in self.clients)
