"""The pipeline alone, no broker: feed `hub.pipeline.Pipeline` batches of `Message` and time each step.

    .venv/bin/python -m bench.pipeline [--events N] [--batch B] [--db URL] [--profile]

Prints one JSON object: events/s of the whole `process` (wall clock, and per CPU second of this
process, which a busy machine disturbs less) and of each step measured separately (CPU time).
With --profile, runs the whole thing under pyinstrument and prints its text report to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.load import build_load
from hub.decode import Limits, decode
from hub.events import Event, Message
from hub.geo import load_city
from hub.incidents.neighbours import cell_features
from hub.live import map_item
from hub.placement import place
from hub.registry import load_registry
from hub.routing import classify_and_route

WARMUP = 500


def messages(load_items: list[tuple[str, bytes, bytes]]) -> list[Message]:
    return [Message(payload, topic, "mqtt") for topic, _, payload in load_items]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds) if seconds > 0 else 0.0


def timed(step: Callable[[], Any]) -> float:
    """CPU seconds of the step (this process): steadier than wall time on a shared machine."""
    began = time.process_time()
    step()
    return time.process_time() - began


def steps(batches: list[list[Message]]) -> dict[str, float]:
    """Events/s of each step on its own, over fresh copies of the batches."""
    geo, registry, limits = load_city(), load_registry(), Limits()
    count = sum(len(b) for b in batches)
    decoded: list[list[Event]] = []
    seconds = timed(lambda: decoded.extend(
        [d for d in (decode(m, limits) for m in b) if isinstance(d, Event)] for b in batches))
    result = {"decode": rate(count, seconds)}
    result["place"] = rate(count, timed(lambda: [place(b, geo, registry) for b in decoded]))
    result["classify_route"] = rate(count, timed(lambda: [classify_and_route(b) for b in decoded]))
    result["map_item"] = rate(count, timed(lambda: [[map_item(e) for e in b] for b in decoded]))
    return result


def run(events: int, batch: int, db: str | None) -> dict[str, Any]:
    """The hub's own pipeline as `cityhub serve` composes it (rules, incidents, live stream), no transport."""
    from hub.runtime import Hub
    from hub.settings import Settings

    load = build_load(events + WARMUP, run_tag=str(int(time.time())))
    all_messages = messages(load.items)
    warmup, all_messages = all_messages[:WARMUP], all_messages[WARMUP:]
    batches = [all_messages[i:i + batch] for i in range(0, len(all_messages), batch)]
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Settings(data_dir=Path(tmp), db=db or ""))
        hub.pipeline.process(warmup)  # loads what the hub loads on first use (geocoder, registry)
        cell_features(hub.geo)  # the cells layer, which correlation loads on its first neighbour test
        hub.pipeline.totals = type(hub.pipeline.totals)()
        began, cpu = time.perf_counter(), time.process_time()
        for chunk in batches:
            hub.pipeline.process(chunk)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        totals = hub.pipeline.totals
        hub.stop()
    return {
        "events": len(all_messages), "batch": batch, "store": (db or "sqlite").split(":")[0],
        "events_per_s": rate(len(all_messages), seconds),
        "events_per_cpu_s": rate(len(all_messages), cpu),
        "stored": totals.stored, "duplicates": totals.duplicates, "dead": totals.dead,
        "steps_events_per_s": steps([messages(load.items[i:i + batch]) for i in range(0, len(load), batch)]),
        "load": load.summary(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--db", help="store URL (default: SQLite in a temporary folder)")
    parser.add_argument("--profile", action="store_true", help="pyinstrument report on stderr")
    args = parser.parse_args(argv)
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            result = run(args.events, args.batch, args.db)
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
    else:
        result = run(args.events, args.batch, args.db)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
