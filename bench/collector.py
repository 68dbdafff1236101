"""What Python's garbage collector costs the pipeline: `bench.pipeline` with its collections timed.

    .venv/bin/python -m bench.collector [--young N] [bench.pipeline's options, e.g. --events 20000]

Runs `python -m bench.pipeline` in this process with a callback on every collection, and prints one
JSON object to stderr after the pipeline's own line: the collections by generation and the CPU they
took inside `Pipeline.process`, per event, beside the CPU per event of `process` itself. `--young N`
sets the young generation's threshold before the run (default: Python's, 700, which the hub keeps).
Compare thresholds alternately, several runs each; what the pipeline alone gains is not the whole
story (`CHANGELOG.md`, 2026-12-08: 50,000 halved the collector's share here and slowed MQTT end to end).
"""

from __future__ import annotations

import argparse
import gc
import json
import runpy
import sys
import time
from typing import Any


class Collections:
    """CPU time of every collection, and of those that ran inside `Pipeline.process`."""

    def __init__(self) -> None:
        self.by_generation = [0, 0, 0]
        self.cpu_s = self.in_process_s = self.process_s = 0.0
        self.events = 0
        self._began = 0.0
        self._inside = False

    def callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.process_time()
            return
        took = time.process_time() - self._began
        self.by_generation[info["generation"]] += 1
        self.cpu_s += took
        if self._inside:
            self.in_process_s += took

    def timing(self, process: Any) -> Any:
        def timed(pipeline: Any, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
            self._inside, began = True, time.process_time()
            try:
                return process(pipeline, messages, *args, **kwargs)
            finally:
                self._inside = False
                self.process_s += time.process_time() - began
                self.events += len(messages)
        return timed

    def summary(self) -> dict[str, Any]:
        per_event = 1e6 / max(1, self.events)
        return {"young_threshold": gc.get_threshold()[0], "collections": self.by_generation,
                "collections_cpu_s": round(self.cpu_s, 3),
                "collections_in_process_us_per_event": round(self.in_process_s * per_event, 1),
                "process_cpu_us_per_event": round(self.process_s * per_event, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.collector", description=__doc__.splitlines()[0])
    parser.add_argument("--young", type=int, default=gc.get_threshold()[0])
    args, rest = parser.parse_known_args(argv)
    from hub.pipeline.process import Pipeline

    _, middle, old = gc.get_threshold()
    gc.set_threshold(args.young, middle, old)
    found = Collections()
    gc.callbacks.append(found.callback)
    Pipeline.process = found.timing(Pipeline.process)  # type: ignore[method-assign]
    sys.argv = ["bench.pipeline", *rest]
    try:
        runpy.run_module("bench.pipeline", run_name="__main__")
    except SystemExit:
        pass
    finally:
        gc.callbacks.remove(found.callback)
    print(json.dumps(found.summary()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
