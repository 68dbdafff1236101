"""Scenario expectations on the evaluation's indicators (考核指标), checked against the hub's
`GET /api/evaluation` over the cases dispatched since the scenario started: a group's (or the total's,
or every person of a post's) rates and counts at least `min`, at most `max`, its grade one of `grade`.
They need the simulated staff working the cases (the scenario's `staff`, an operator token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from simulators.replay import Outcome


@dataclass
class IndicatorOutcome(Outcome):
    failures: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return bool(self.skipped) or (self.found >= self.wanted and not self.failures)

    def line(self) -> str:
        if self.skipped:
            return f"skip   {self.what}: {self.skipped}"
        if not self.found:
            return f"UNMET  {self.what}: no such group in the evaluation yet"
        return f"{'ok   ' if self.met else 'UNMET'}  {self.what}" + (f": {'; '.join(self.failures)}"
                                                                    if self.failures else "")


def label(exp: dict[str, Any]) -> str:
    who = exp.get("group") or (f"{exp['post']}s' total" if exp["by"] == "post" else "total")
    wants = [f"{k} ≥ {v}" for k, v in (exp.get("min") or {}).items()]
    wants += [f"{k} ≤ {v}" for k, v in (exp.get("max") or {}).items()]
    wants += [f"grade in {','.join(exp['grade'])}"] if exp.get("grade") else []
    return f"indicators by {exp['by']} {who}: {', '.join(wants)}"


def failures(row: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """What of the expectation the row misses; a rate the row does not have (null) misses."""
    out = []
    for name, floor in (exp.get("min") or {}).items():
        if row.get(name) is None or row[name] < floor:
            out.append(f"{name} {row.get(name)} < {floor}")
    for name, ceiling in (exp.get("max") or {}).items():
        if row.get(name) is None or row[name] > ceiling:
            out.append(f"{name} {row.get(name)} > {ceiling}")
    if exp.get("grade") and row.get("grade") not in exp["grade"]:
        out.append(f"grade {row.get('grade')} not in {','.join(exp['grade'])}")
    return out


def rows_of(body: dict[str, Any], exp: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows the expectation judges: the named group (person), else the total (the post's totals)."""
    if exp["by"] == "post":
        rows = body.get("items", []) if exp.get("group") else body.get("totals", [])
        return [r for r in rows if r.get("post") == exp["post"] and exp.get("group") in (None, r.get("group"))]
    if exp.get("group"):
        return [r for r in body.get("items", []) if r.get("group") == exp["group"]]
    return [body["total"]] if body.get("total", {}).get("due") else []


def check_indicators(http: httpx.Client, start: datetime, exp: dict[str, Any], staffed: bool) -> Outcome:
    what = label(exp)
    if not staffed:
        return IndicatorOutcome(what, 0, 1, "no simulated staff work the cases (an operator token starts them)")
    answer = http.get("/api/evaluation", params={"by": exp["by"], "from": start.isoformat()})
    if answer.status_code == 404:
        return IndicatorOutcome(what, 0, 1, "the hub has no /api/evaluation (404)")
    answer.raise_for_status()
    rows = rows_of(answer.json(), exp)
    return IndicatorOutcome(what, len(rows), 1, failures=[f for r in rows for f in failures(r, exp)])
