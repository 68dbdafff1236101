"""Small statistics for the benchmark's figures."""

from __future__ import annotations

import math


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
