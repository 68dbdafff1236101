"""The loop every transport shares: take a batch, process it until it is stored, then acknowledge.

The inbox is bounded: when the store falls behind, `put_many` blocks the transport's network
thread, which stops reading from the broker (MQTT Receive Maximum / Kafka poll) instead of
growing memory. Acknowledgement tokens are handed back in the order the messages arrived.

The hand-off is cheap per message: a transport's thread appends under one lock and wakes the
worker only when it is waiting for a first message or for a full batch (not once per message), and
a transport hands over what it received at once (a Kafka poll, the PUBLISHes of an MQTT read) as
one list with `put_many`. The worker takes a batch in
one step after at most `max_wait_s` of gathering, so a moderate rate still makes batches of many
messages and the per-batch costs downstream (a transaction, the sinks) are shared.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

from hub.events import Message
from hub.pipeline.process import Normalized, Pipeline
from hub.settings import BATCH_WAIT_MS

log = logging.getLogger(__name__)
T = TypeVar("T")


class Busy(Protocol):
    def took(self) -> None: ...


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

    def take(self, max_items: int, max_wait_s: float, busy: Busy,
             idle_s: float = 0.2) -> list[tuple[Message, T]]:
        """Wait up to `idle_s` for a first item, then until the first item is `max_wait_s` old for a full
        batch; take up to `max_items` in arrival order ([] when nothing came). `busy` counts the batch before
        any item leaves the inbox, so an empty inbox and nothing pending in `busy` together mean everything
        taken has been dealt with."""
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
            busy.took()
            if len(items) <= max_items:
                batch = list(items)
                items.clear()
            else:
                batch = [items.popleft() for _ in range(max_items)]
            self._room.notify_all()
            return batch


class InFlight:
    """The count of batches taken from the inbox and not yet acknowledged (or given up at stop). `Inbox.take`
    calls `took` for each batch it hands out, before the batch leaves the inbox."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def took(self) -> None:
        with self._lock:
            self._count += 1

    def done(self) -> None:
        with self._lock:
            self._count -= 1

    def pending(self) -> int:
        return self._count


def overlap_default() -> bool:
    """CITYHUB_INGEST_OVERLAP=1: normalize the next batch while this one is stored (see `BatchWorker`)."""
    return os.environ.get("CITYHUB_INGEST_OVERLAP", "0").strip().lower() in ("1", "true", "yes", "on")


class BatchWorker(Generic[T]):
    """Drains a bounded inbox of (message, ack token) in batches; retries a failed store with backoff.

    With `overlap`, two threads share the work: the normalizer takes a batch and prepares it
    (`Pipeline.prepare`: decode, place, route, rules — no store access), then hands it to the committer
    through a hand-off of `handoff` batches; the committer stores it, runs the sinks and acknowledges,
    strictly in arrival order. While the committer waits for the database (SQLite's steps and commit,
    PostgreSQL's round trips release the interpreter lock) the normalizer prepares the next batch. A full
    hand-off blocks the normalizer, which leaves the inbox to fill and block the transport: memory stays
    bounded at `capacity` messages plus `handoff` + 2 batches. A failing store is retried by the committer
    with backoff, prepared batches behind it wait; at `stop` during such a retry nothing more is
    acknowledged (the broker redelivers all of it)."""

    def __init__(self, pipeline: Pipeline, ack: Callable[[list[T]], None], *,
                 max_batch: int = 2000, max_wait_s: float = BATCH_WAIT_MS / 1000, capacity: int = 20000,
                 name: str = "ingest", overlap: bool | None = None, handoff: int = 1) -> None:
        self.pipeline, self.ack = pipeline, ack
        self.max_batch, self.max_wait_s = max_batch, max_wait_s
        self.inbox: Inbox[T] = Inbox(capacity)
        self.stopping = threading.Event()
        self.healthy = True
        self.batches = 0  # batches stored and acknowledged
        self.last_stored_at: float | None = None
        self._busy = InFlight()  # batches taken and not yet acknowledged
        # a pipeline without prepare/commit (a test's recorder) is processed whole
        self.overlap = (overlap_default() if overlap is None else overlap) and hasattr(pipeline, "prepare")
        self._handoff: queue.Queue[tuple[list[tuple[Message, T]], Normalized] | None] = queue.Queue(max(1, handoff))
        self._given_up = threading.Event()  # the committer stopped during a store retry: acknowledge nothing more
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.committer = threading.Thread(target=self._commit_loop, name=f"{name}-store", daemon=True)

    def start(self) -> None:
        if self.overlap:
            self.committer.start()
        self.thread.start()

    def put_many(self, pairs: Iterable[tuple[Message, T]], waiting: Callable[[], None] | None = None,
                 every_s: float = 1) -> None:
        """Called by the transport's network thread: one lock and at most one wake-up for the lot. Order is
        kept; blocks while full, which slows the broker down. `waiting`, if given, runs every `every_s` while
        it blocks: the calling thread's other duties (MQTT's network thread writes its PUBACKs and pings)."""
        alive = self.thread.is_alive
        if waiting is not None:
            def alive() -> bool:
                waiting()
                return self.thread.is_alive()
        self.inbox.put_many(pairs, alive, timeout=every_s)

    def drain(self, timeout: float = 10) -> bool:
        """Wait until everything taken so far is stored and acknowledged; False if that took too long."""
        deadline = time.monotonic() + timeout
        while (not self.inbox.empty() or self._busy.pending()) and self._alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        deadline = time.monotonic() + timeout
        if self.thread.is_alive():
            self.thread.join(timeout)
        if self.committer.is_alive():
            self.committer.join(max(0.0, deadline - time.monotonic()))

    def _alive(self) -> bool:
        return self.thread.is_alive() and (not self.overlap or self.committer.is_alive())

    def _run(self) -> None:
        if not self.overlap:
            while not (self.stopping.is_set() and self.inbox.empty()):
                batch = self.inbox.take(self.max_batch, self.max_wait_s, self._busy)
                if batch:
                    try:
                        stored = self._store(batch, None)
                    finally:
                        self._busy.done()
                    if not stored:
                        return  # stopped during a store retry: acknowledging a later batch could skip this one
            return
        try:
            while not (self.stopping.is_set() and self.inbox.empty()) and not self._given_up.is_set():
                batch = self.inbox.take(self.max_batch, self.max_wait_s, self._busy)
                if not batch:
                    continue
                prepared = self.pipeline.prepare([m for m, _ in batch])
                while not self._given_up.is_set():
                    try:
                        self._handoff.put((batch, prepared), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                else:
                    self._busy.done()  # given up at stop: unacknowledged, the broker redelivers
        finally:
            self._finish()

    def _finish(self) -> None:
        while True:  # the end mark, unless the committer has given up (then nobody reads it)
            try:
                self._handoff.put(None, timeout=0.2)
                return
            except queue.Full:
                if self._given_up.is_set() or not self.committer.is_alive():
                    return

    def _commit_loop(self) -> None:
        while True:
            item = self._handoff.get()
            if item is None:
                return
            batch, prepared = item
            try:
                stored = self._store(batch, prepared)
            finally:
                self._busy.done()
            if not stored:
                self._given_up.set()
                while True:  # what was prepared behind it stays unacknowledged too
                    try:
                        rest = self._handoff.get_nowait()
                    except queue.Empty:
                        return
                    if rest is None:
                        return
                    self._busy.done()

    def _store(self, batch: list[tuple[Message, T]], prepared: Normalized | None) -> bool:
        """Store (or dead-letter) the batch, retrying with backoff, then acknowledge it; False when stopped
        before the store succeeded (nothing acknowledged)."""
        delay = 0.1
        messages = [m for m, _ in batch] if prepared is None else []
        while True:
            try:
                if prepared is None:
                    self.pipeline.process(messages)
                else:
                    self.pipeline.commit(prepared)
                self.healthy = True
                break
            except Exception:
                self.healthy = False
                log.exception("storing a batch of %d failed; not acknowledged, retrying in %.1f s", len(batch), delay)
                if self.stopping.wait(delay):
                    return False  # unacknowledged: the broker redelivers after restart
                delay = min(delay * 2, 5.0)
        try:
            self.ack([token for _, token in batch])
        except Exception:  # a lost connection: the broker redelivers, dedup makes that harmless
            log.exception("acknowledging a stored batch of %d failed", len(batch))
        self.batches += 1
        self.last_stored_at = time.time()
        return True
