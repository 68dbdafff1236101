"""The loop every transport shares: take a batch, process it until it is stored, then acknowledge."""

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
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def put(self, message: Message, token: T) -> None:
        """Called by the transport's network thread; blocks when full, which slows the broker down."""
        self.inbox.put((message, token))

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self.thread.join(timeout)

    def _take(self) -> list[tuple[Message, T]]:
        try:
            batch = [self.inbox.get(timeout=0.2)]
        except queue.Empty:
            return []
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
                self._store(batch)

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
        self.ack([token for _, token in batch])
