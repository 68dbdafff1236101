"""The upkeep cost of device health, data quality and forecasts per event: the microseconds the pipeline's
step and sink spend in `Monitoring` on a realistic mix of every simulator's events, normalized by the real
pipeline first. Run ``python -m bench.health_upkeep [--events N] [--batch B]``; prints one JSON object.
Not a test: nothing here asserts; results go to docs/HEALTH.md."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS
from hub.events import Event, Message
from hub.geo import load_city
from hub.health.monitoring import Monitoring
from hub.incidents import open_incidents
from hub.pipeline.process import Pipeline
from hub.registry import load_registry
from hub.store import open_store
from simulators.registry import SIMULATORS


def mixed_events(count: int, seed: int) -> list[Message]:
    """`count` canonical events from every simulator in turn, as messages."""
    rng, now = random.Random(seed), datetime.now(UTC)
    streams = [(ADAPTERS[s.adapter], s.messages(random.Random(rng.random()), now, 50.0)) for s in SIMULATORS.values()
               if s.adapter in ADAPTERS]
    messages: list[Message] = []
    while len(messages) < count:
        for adapter, stream in streams:
            try:
                events = adapter.adapt(next(stream)[1])
            except NativeRejected:
                continue
            messages += [Message(orjson.dumps(ce), adapter.topic, "mqtt") for ce in events]
    return messages[:count]


def timed(fn: Any, batches: list[list[Event]], step: bool) -> float:
    """CPU seconds of this process (the machine is shared: wall time would count the others' work)."""
    start = time.process_time()
    for batch in batches:
        fn(batch) if step else fn(batch, [])
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hub.sqlite'}"
        store, registry = open_store(url), load_registry()
        pipeline = Pipeline(store, load_city(), registry)
        messages = mixed_events(args.events, args.seed)
        start = time.process_time()
        batches = [pipeline.prepare(messages[i:i + args.batch]).events for i in range(0, len(messages), args.batch)]
        prepare_s = time.process_time() - start
        events = sum(len(b) for b in batches)
        incidents = open_incidents(url)
        monitoring = Monitoring(registry, incidents, store)
        parts = {"devices.sink": timed(monitoring.devices.sink, batches, False),
                 "quality.step": timed(monitoring.quality.step, batches, True),
                 "quality.sink": timed(monitoring.quality.sink, batches, False),
                 "forecasts.sink": timed(monitoring.forecasts.sink, batches, False)}
        whole = timed(monitoring.step, batches, True) + timed(monitoring.sink, batches, False)
        start = time.process_time()
        monitoring.check()
        check_s = time.process_time() - start
        incidents.close()
        store.close()
    print(json.dumps({"events": events, "batch": args.batch,
                      "us_per_event": {k: round(v / events * 1e6, 2) for k, v in parts.items()}
                      | {"monitoring (step + sink)": round(whole / events * 1e6, 2),
                         "for scale: pipeline.prepare": round(prepare_s / events * 1e6, 2)},
                      "check_ms": round(check_s * 1000, 1)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
