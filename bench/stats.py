"""Small statistics for the benchmark's figures."""

from __future__ import annotations

import math
import time

PACE_LOOP = 2_000_000


def python_pace() -> float:
    """CPU seconds a fixed pure-Python loop takes now: how fast this machine is at the time of a run.
    The shared VM's speed moves by two to three times between hours (docs/BENCHMARKS.md), so runs made
    at different times are compared with this beside them."""
    began = time.process_time()
    total = 0
    for i in range(PACE_LOOP):
        total += i
    return round(time.process_time() - began, 3)


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (share in 0..1)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(millis: list[float]) -> dict[str, float | None]:
    ordered = sorted(millis)
    if not ordered:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {name: round(percentile(ordered, share), 1)
            for name, share in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))}
