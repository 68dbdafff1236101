"""The pipeline alone, no broker: feed `hub.pipeline.process.Pipeline` batches of `Message` and time each step.

    .venv/bin/python -m bench.pipeline [--events N] [--batch B] [--db URL] [--every K] [--profile]

Prints one JSON object: events/s of the whole `process` (wall clock, and per CPU second of this
process, which a busy machine disturbs less) and the CPU microseconds per event of each stage
(decode_batch, place, classify_and_route, each step, store.write, each sink), and what of it the cyclic
garbage collector took (`gc_cpu_us_per_event`, over `gc_runs` collections). With --every K, first a line
for each K events with the same figures for those K alone: how the costs move as the store grows.
With --profile, runs the whole thing under pyinstrument and prints its text report to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.load import build_load
from bench.stats import python_pace
from hub.events import Message

WARMUP = 500


def messages(load_items: list[tuple[str, bytes, bytes]]) -> list[Message]:
    return [Message(payload, topic, "mqtt") for topic, _, payload in load_items]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds) if seconds > 0 else 0.0


class Stages:
    """CPU time spent in each stage of the hub's own pipeline, by wrapping its parts in place."""

    def __init__(self, hub: Any) -> None:
        import hub.pipeline.process as module

        self.cpu: dict[str, float] = defaultdict(float)
        stages = ("decode_batch", "place", "classify_and_route")
        self.module, self.saved = module, {n: getattr(module, n) for n in stages}
        for name, fn in self.saved.items():
            setattr(module, name, self.timed(name, fn))
        pipeline = hub.pipeline
        pipeline.steps = [self.timed(self.name_of(f), f) for f in pipeline.steps]
        pipeline.sinks = [self.timed(self.name_of(f), f) for f in pipeline.sinks]
        store = pipeline.store
        store_write = store.write
        store.write = self.timed("store.write", store_write)  # type: ignore[method-assign]

    @staticmethod
    def name_of(fn: Any) -> str:
        fn = getattr(fn, "func", fn)  # a functools.partial
        owner = getattr(fn, "__self__", None)
        name = getattr(fn, "__name__", type(fn).__name__)
        return f"{type(owner).__name__}.{name}" if owner is not None else name

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.cpu[name] += time.process_time() - began
        return wrapper

    def restore(self) -> None:
        for name, fn in self.saved.items():
            setattr(self.module, name, fn)

    def micros_per_event(self, count: int) -> dict[str, float]:
        ranked = sorted(self.cpu.items(), key=lambda item: -item[1])
        return {name: round(1e6 * cpu / count, 1) for name, cpu in ranked}


class Collections:
    """CPU time the cyclic garbage collector takes while it is held (gc.callbacks), and how many runs of it."""

    def __init__(self) -> None:
        self.cpu, self.runs, self._began = 0.0, 0, 0.0

    def __enter__(self) -> Collections:
        gc.callbacks.append(self._called)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._called)

    def _called(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.process_time()
        else:
            self.cpu, self.runs = self.cpu + time.process_time() - self._began, self.runs + 1


class Window:
    """Every `every` events (at the end of the batch that reaches them), one JSON line of that window's
    CPU µs an event, whole and by stage."""

    def __init__(self, stages: Stages, every: int) -> None:
        self.stages, self.every, self.done, self.count = stages, every, 0, 0
        self.cpu, self.by_stage = time.process_time(), dict(stages.cpu)

    def passed(self, count: int) -> None:
        self.done, self.count = self.done + count, self.count + count
        if not self.every or self.count < self.every:
            return
        now, stages = time.process_time(), dict(self.stages.cpu)
        per = {name: round(1e6 * (spent - self.by_stage.get(name, 0.0)) / self.count, 1)
               for name, spent in sorted(stages.items(), key=lambda item: -item[1])}
        print(json.dumps({"window_end": self.done, "cpu_us_per_event": round(1e6 * (now - self.cpu) / self.count, 1),
                          "stages_cpu_us_per_event": per}), flush=True)
        self.cpu, self.by_stage, self.count = now, stages, 0


def run(events: int, batch: int, db: str | None, every: int = 0) -> dict[str, Any]:
    """The hub's own pipeline as `cityhub serve` composes it (rules, incidents, live stream), no transport."""
    from hub.runtime import Hub
    from hub.settings import Settings

    pace = python_pace()
    load = build_load(events + WARMUP, run_tag=str(int(time.time())))
    all_messages = messages(load.items)
    warmup, all_messages = all_messages[:WARMUP], all_messages[WARMUP:]
    batches = [all_messages[i:i + batch] for i in range(0, len(all_messages), batch)]
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Settings(data_dir=Path(tmp), db=db or ""))
        hub.geo.warm()
        hub.neighbours.table()
        gc.collect()
        gc.freeze()  # as Hub._warm does once the geography and the cells' neighbours are loaded
        hub.pipeline.process(warmup)
        hub.pipeline.totals = type(hub.pipeline.totals)()
        stages = Stages(hub)
        began, cpu = time.perf_counter(), time.process_time()
        window = Window(stages, every)
        try:
            with Collections() as collections:
                for chunk in batches:
                    hub.pipeline.process(chunk)
                    window.passed(len(chunk))
        finally:
            stages.restore()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        totals = hub.pipeline.totals
        hub.stop()
    count = len(all_messages)
    return {
        "events": count, "batch": batch, "store": (db or "sqlite").split(":")[0],
        "events_per_s": rate(count, seconds), "events_per_cpu_s": rate(count, cpu),
        "cpu_us_per_event": round(1e6 * cpu / count, 1), "stages_cpu_us_per_event": stages.micros_per_event(count),
        "gc_cpu_us_per_event": round(1e6 * collections.cpu / count, 1), "gc_runs": collections.runs,
        "stored": totals.stored, "duplicates": totals.duplicates, "dead": totals.dead, "load": load.summary(),
        "python_pace_s": pace,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--db", help="store URL (default: SQLite in a temporary folder)")
    parser.add_argument("--every", type=int, default=0, help="a line of figures for each this many events")
    parser.add_argument("--profile", action="store_true", help="pyinstrument report on stderr")
    args = parser.parse_args(argv)
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            result = run(args.events, args.batch, args.db, args.every)
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
    else:
        result = run(args.events, args.batch, args.db, args.every)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
