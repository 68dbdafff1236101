"""The loop every transport shares: take a batch, process it until it is stored, then acknowledge.

The inbox is bounded: when the store falls behind, `put` blocks the transport's network
thread, which stops reading from the broker (MQTT Receive Maximum / Kafka poll) instead of
growing memory. Acknowledgement tokens are handed back in the order the messages arrived.

The hand-off is cheap per message: a transport's thread appends under one lock and wakes the
worker only when it is waiting for a first message or for a full batch (not once per message), and
a transport that receives lists hands them over whole with `put_many`. The worker takes a batch in
one step after at most `max_wait_s` of gathering, so a moderate rate still makes batches of many
messages and the per-batch costs downstream (a transaction, the sinks) are shared.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from hub.events import Message
from hub.pipeline import Pipeline

log = logging.getLogger(__name__)
T = TypeVar("T")


class Inbox(Generic[T]):
    """A bounded FIFO of (message, ack token) between one or more transport threads and one worker."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: deque[tuple[Message, T]] = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # the worker waits here
        self._room = threading.Condition(self._lock)  # transports wait here while it is full
        self._wanted = 1  # how many items the waiting worker needs before it is worth waking; 0: not waiting

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_many(self, pairs: Iterable[tuple[Message, T]], alive: Callable[[], bool], timeout: float = 1) -> None:
        """Append in order, blocking while full; raise RuntimeError once `alive()` says the worker is gone."""
        pending = pairs if isinstance(pairs, list) else list(pairs)
        start = 0
        items = self._items
        with self._lock:
            while start < len(pending):
                room = self.capacity - len(items)
                if room <= 0:
                    if not self._room.wait(timeout) and not alive():
                        raise RuntimeError("ingest worker stopped; message not taken (the broker keeps it)")
                    continue
                end = min(len(pending), start + room)
                if start == 0 and end == len(pending):
                    items.extend(pending)
                else:
                    items.extend(pending[start:end])
                start = end
                if self._wanted and len(items) >= self._wanted:
                    self._arrived.notify()

    def put(self, pair: tuple[Message, T], alive: Callable[[], bool], timeout: float = 1) -> None:
        items = self._items
        with self._lock:
            while len(items) >= self.capacity:
                if not self._room.wait(timeout) and not alive():
                    raise RuntimeError("ingest worker stopped; message not taken (the broker keeps it)")
            items.append(pair)
            if self._wanted and len(items) >= self._wanted:
                self._arrived.notify()

    def take(self, max_items: int, max_wait_s: float, busy: threading.Event,
             idle_s: float = 0.2) -> list[tuple[Message, T]]:
        """Wait up to `idle_s` for a first item, then until the first item is `max_wait_s` old for a full
        batch; take up to `max_items` in arrival order ([] when nothing came). `busy` is set before any item leaves the
        inbox, so an empty inbox and a clear `busy` together mean everything taken has been dealt with."""
        items = self._items
        with self._lock:
            if not items:
                self._wanted = 1
                self._arrived.wait(idle_s)
                if not items:
                    self._wanted = 0
                    return []
            # gather for up to max_wait_s from the first message's arrival, not from now: what waited
            # while the previous batch was being stored does not wait again
            waited = time.time() - items[0][0].received_at
            if len(items) < max_items and waited < max_wait_s:
                deadline = time.monotonic() + max_wait_s - max(0.0, waited)
                self._wanted = max_items
                while len(items) < max_items:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._arrived.wait(left)
            self._wanted = 0
            busy.set()
            if len(items) <= max_items:
                batch = list(items)
                items.clear()
            else:
                batch = [items.popleft() for _ in range(max_items)]
            self._room.notify_all()
            return batch


class BatchWorker(Generic[T]):
    """Drains a bounded inbox of (message, ack token) in batches; retries a failed store with backoff."""

    def __init__(self, pipeline: Pipeline, ack: Callable[[list[T]], None], *,
                 max_batch: int = 2000, max_wait_s: float = 0.02, capacity: int = 20000, name: str = "ingest") -> None:
        self.pipeline, self.ack = pipeline, ack
        self.max_batch, self.max_wait_s = max_batch, max_wait_s
        self.inbox: Inbox[T] = Inbox(capacity)
        self.stopping = threading.Event()
        self.healthy = True
        self.batches = 0  # batches stored and acknowledged
        self.last_stored_at: float | None = None
        self._busy = threading.Event()  # a batch is taken and not yet acknowledged
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def put(self, message: Message, token: T) -> None:
        """Called by the transport's network thread; blocks while full, which slows the broker down."""
        self.inbox.put((message, token), self.thread.is_alive)

    def put_many(self, pairs: Iterable[tuple[Message, T]]) -> None:
        """`put` for a transport that receives lists (a Kafka poll): one lock and at most one wake-up for
        the lot. Order is kept; blocks while full."""
        self.inbox.put_many(pairs, self.thread.is_alive)

    def drain(self, timeout: float = 10) -> bool:
        """Wait until everything taken so far is stored and acknowledged; False if that took too long."""
        deadline = time.monotonic() + timeout
        while (not self.inbox.empty() or self._busy.is_set()) and self.thread.is_alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        while not (self.stopping.is_set() and self.inbox.empty()):
            batch = self.inbox.take(self.max_batch, self.max_wait_s, self._busy)
            if batch:
                try:
                    self._store(batch)
                finally:
                    self._busy.clear()

    def _store(self, batch: list[tuple[Message, T]]) -> None:
        delay = 0.1
        messages = [m for m, _ in batch]
        while True:
            try:
                self.pipeline.process(messages)
                self.healthy = True
                break
            except Exception:
                self.healthy = False
                log.exception("storing a batch of %d failed; not acknowledged, retrying in %.1f s", len(batch), delay)
                if self.stopping.wait(delay):
                    return  # unacknowledged: the broker redelivers after restart
                delay = min(delay * 2, 5.0)
        try:
            self.ack([token for _, token in batch])
        except Exception:  # a lost connection: the broker redelivers, dedup makes that harmless
            log.exception("acknowledging a stored batch of %d failed", len(batch))
        self.batches += 1
        self.last_stored_at = time.time()
