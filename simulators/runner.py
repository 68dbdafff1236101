"""Run simulators through their adapters onto a broker, paced in real time, deterministically by seed."""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from adapters.base import NativeRejected
from adapters.registry import get as get_adapter
from hub.transports.base import Publisher
from simulators.base import Simulator

log = logging.getLogger(__name__)


def merged(sims: list[Simulator], seed: int, start: datetime, rate: float) -> Iterator[tuple[float, str, bytes]]:
    """All simulators' native messages in time order: (seconds after start, simulator name, bytes)."""
    share = rate / len(sims)
    return heapq.merge(*(_named(sim, seed, start, share) for sim in sims), key=lambda item: item[0])


def _named(sim: Simulator, seed: int, start: datetime, rate: float) -> Iterator[tuple[float, str, bytes]]:
    for t, raw in sim.messages(random.Random(f"{seed}:{sim.name}"), start, rate):
        yield t, sim.name, raw


def simulate(sims: list[Simulator], publisher: Publisher, *, rate: float, duration: float, seed: int,
             stop: threading.Event | None = None, start: datetime | None = None) -> dict[str, int]:
    start = start or datetime.now(UTC)
    began = time.monotonic()
    counts = {"native": 0, "events": 0, "rejected": 0}
    for t, name, raw in merged(sims, seed, start, rate):
        if t > duration or (stop is not None and stop.is_set()):
            break
        delay = began + t - time.monotonic()
        if delay > 0 and stop is not None and stop.wait(delay):
            break
        if delay > 0 and stop is None:
            time.sleep(delay)
        adapter = get_adapter(next(s.adapter for s in sims if s.name == name))
        counts["native"] += 1
        try:
            events = adapter.adapt(raw)
        except NativeRejected as reason:
            counts["rejected"] += 1
            log.info("%s: native message rejected: %s", adapter.name, reason)
            continue
        publisher.publish(adapter.topic, events)
        counts["events"] += len(events)
    publisher.flush()
    return counts
