"""The loop every transport shares: take a batch, process it until it is stored, then acknowledge.

The inbox is bounded: when the store falls behind, `put` blocks the transport's network
thread, which stops reading from the broker (MQTT Receive Maximum / Kafka poll) instead of
growing memory. Acknowledgement tokens are handed back in the order the messages arrived.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from hub.events import Message
from hub.pipeline import Pipeline

log = logging.getLogger(__name__)
T = TypeVar("T")


class BatchWorker(Generic[T]):
    """Drains a bounded queue of (message, ack token) in batches; retries a failed store with backoff."""

    def __init__(self, pipeline: Pipeline, ack: Callable[[list[T]], None], *,
                 max_batch: int = 2000, max_wait_s: float = 0.02, capacity: int = 20000, name: str = "ingest") -> None:
        self.pipeline, self.ack = pipeline, ack
        self.max_batch, self.max_wait_s = max_batch, max_wait_s
        self.inbox: queue.Queue[tuple[Message, T]] = queue.Queue(maxsize=capacity)
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
        while True:
            try:
                self.inbox.put((message, token), timeout=1)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    raise RuntimeError("ingest worker stopped; message not taken (the broker keeps it)") from None

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

    def _take(self) -> list[tuple[Message, T]]:
        try:
            first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        self._busy.set()
        batch = [first]
        deadline = time.monotonic() + self.max_wait_s
        while len(batch) < self.max_batch:
            try:
                batch.append(self.inbox.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while not (self.stopping.is_set() and self.inbox.empty()):
            batch = self._take()
            if batch:
                try:
                    self._store(batch)
                finally:
                    self._busy.clear()

    def _store(self, batch: list[tuple[Message, T]]) -> None:
        delay = 0.1
        while True:
            try:
                self.pipeline.process([m for m, _ in batch])
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
