"""Simulated water history stored through the real pipeline, as a hub's store would hold it."""

from __future__ import annotations

from datetime import datetime

import orjson

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS
from hub.events import Message
from hub.geo import load_city
from hub.pipeline.process import Pipeline
from hub.registry import load_registry
from hub.store import Store
from simulators.history import history


def store_history(store: Store, seed: int, start: datetime, days: float, districts: frozenset[str]) -> int:
    """Store `days` of gauge history from `start`; how many events."""
    pipeline = Pipeline(store, load_city(), load_registry())
    batch: list[Message] = []
    stored = 0
    for t, name, raw in history(seed, start, days, districts):
        adapter = ADAPTERS[name]
        try:
            events = adapter.adapt(raw)
        except NativeRejected:
            continue
        received = start.timestamp() + t + 2
        batch += [Message(orjson.dumps(ce), adapter.topic, "mqtt", received_at=received) for ce in events]
        if len(batch) >= 2000:
            stored += pipeline.process(batch).stored
            batch = []
    return stored + pipeline.process(batch).stored
