"""The evaluation indicators (考核指标) over cases held as columns, as docs/EVALUATION.md defines them.

A case is due when it was dispatched in [from, to) and its deadline is before `to`; parked cases
(挂账) are left out of every count. Counts are per group (department, district, town, post …),
computed with numpy over whole columns, so a year of cases takes one pass. The score is a weighted
mean of the rates (the rework rate counts as 1 − rate), over the rates a group has; its grade is
A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_WEIGHTS = {"on_time_closure_rate": 0.4, "closure_rate": 0.2, "on_time_handling_rate": 0.3, "rework_rate": 0.1}
GRADES = ((90.0, "A"), (75.0, "B"), (60.0, "C"), (40.0, "D"))
COUNTS = ("due", "closed", "handled", "handled_on_time", "closed_on_time", "reworked")
RATES = ("closure_rate", "on_time_closure_rate", "on_time_handling_rate", "rework_rate")
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Cases:
    """One entry per case; times are epoch seconds, NaN where the step has not happened."""

    group: npt.NDArray[np.int64]  # index into `names`
    names: Sequence[str]
    dispatched: Floats
    deadline: Floats
    handled: Floats
    closed: Floats
    reworks: npt.NDArray[np.int64]
    parked: npt.NDArray[np.bool_]


def grade(score: float | None) -> str | None:
    if score is None:
        return None
    return next((g for floor, g in GRADES if score >= floor), "E")


def score_of(rates: Mapping[str, float | None], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> float | None:
    """100 × the weighted mean of the rates a group has; the rework rate enters as 1 − rate."""
    total = weight = 0.0
    for name, w in weights.items():
        rate = rates.get(name)
        if rate is None or w <= 0:
            continue
        total += w * (1.0 - rate if name == "rework_rate" else rate)
        weight += w
    return round(100.0 * total / weight, 1) if weight else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def indicators(counts: Mapping[str, int], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> dict[str, Any]:
    due = counts["due"]
    rates = {"closure_rate": _ratio(counts["closed"], due),
             "on_time_closure_rate": _ratio(counts["closed_on_time"], due),
             "on_time_handling_rate": _ratio(counts["handled_on_time"], due),
             "rework_rate": _ratio(counts["reworked"], counts["handled"])}
    score = score_of(rates, weights) if due else None
    shown = {k: None if v is None else round(v, 4) for k, v in rates.items()}
    return {**counts, **shown, "score": score, "grade": grade(score)}


def evaluate(cases: Cases, start: float = -np.inf, end: float = np.inf,
             weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> list[dict[str, Any]]:
    """The indicators of each group that has cases dispatched in [start, end), best score first."""
    with np.errstate(invalid="ignore"):  # NaN compares false: a missing step is never in time
        dispatched = (cases.dispatched >= start) & (cases.dispatched < end) & ~cases.parked
        due = dispatched & (cases.deadline < end)
        handled = due & (cases.handled < end)
        on_time = due & (cases.handled <= cases.deadline)
        closed = due & (cases.closed < end)
    masks = {"due": due, "closed": closed, "handled": handled, "handled_on_time": on_time,
             "closed_on_time": closed & on_time, "reworked": due & (cases.reworks >= 1)}
    n = len(cases.names)
    tallies = {name: np.bincount(cases.group[m], minlength=n) for name, m in masks.items()}
    seen = np.bincount(cases.group[dispatched], minlength=n)
    rows = [{"group": cases.names[g], **indicators({k: int(v[g]) for k, v in tallies.items()}, weights)}
            for g in range(n) if seen[g]]
    return sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0.0), str(r["group"])))


def total(rows: Sequence[Mapping[str, Any]], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """The indicators of all groups together (counts add up; rates are recomputed)."""
    return indicators({k: sum(int(r[k]) for r in rows) for k in COUNTS}, weights)
