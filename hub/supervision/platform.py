"""The evaluation of the platform's own cases (case_records, case_steps), by department, district,
town or post. Counts are one SQL aggregate over the cases dispatched in the period (the
definitions of docs/EVALUATION.md, as `evaluation.evaluate` computes them over a case log); the
posts' indicators read the flow steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hub.supervision.casework import INSPECTOR_REPORT, reporter_of
from hub.supervision.evaluation import DEFAULT_WEIGHTS, indicators
from hub.supervision.inspectors import inspector_indicators, report_rates

if TYPE_CHECKING:
    from hub.incidents.db import Db

GROUPS = {"department": "department", "district": "district_code", "town": "town_code"}
BY = (*GROUPS, "post")
FAR = 1e18  # stands for an open end of the period
COUNTS_SQL = """
SELECT {key} AS grp,
  COUNT(*) FILTER (WHERE deadline < {end}) AS due,
  COUNT(*) FILTER (WHERE deadline < {end} AND closed_at < {end}) AS closed,
  COUNT(*) FILTER (WHERE deadline < {end} AND handled_at < {end}) AS handled,
  COUNT(*) FILTER (WHERE deadline < {end} AND handled_at <= deadline) AS handled_on_time,
  COUNT(*) FILTER (WHERE deadline < {end} AND closed_at < {end} AND handled_at <= deadline) AS closed_on_time,
  COUNT(*) FILTER (WHERE deadline < {end} AND reworks >= 1) AS reworked
FROM case_records {indexed}
WHERE dispatched_at >= {start} AND dispatched_at < {end} AND parked = 0
GROUP BY {key}
"""


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0.0), str(r["group"])))


def evaluate_groups(db: Db, by: str, start: float | None = None, end: float | None = None,
                    weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> list[dict[str, Any]]:
    """The indicators per department, district or town of the cases dispatched in [start, end)."""
    # the bounds are floats written into the statement (never text), so it is planned once per period
    lo, hi = float(-FAR if start is None else start), float(FAR if end is None else end)
    key = GROUPS[by]
    # SQLite's planner would range-scan by dispatch time and sort; the covering index led by the key is faster
    indexed = f"INDEXED BY case_records_by_{key}" if db.dialect == "sqlite" else ""
    rows = db.execute(COUNTS_SQL.format(key=key, indexed=indexed, start=repr(lo), end=repr(hi)))
    counts = ("due", "closed", "handled", "handled_on_time", "closed_on_time", "reworked")
    return _ranked([{"group": r["grp"] or "未定", **indicators({k: int(r[k] or 0) for k in counts}, weights)}
                    for r in rows])


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evaluate_posts(db: Db, start: float | None, end: float | None,
                   stage_limits_h: Mapping[str, float]) -> list[dict[str, Any]]:
    """Per person of each post, from the flow steps taken in [start, end):
    inspector (监督员): verifications (核实) and checks (核查) and how many in time; their reports (上报)
    and how many became cases, and the public reports in their cells (inspector_reports);
    intake (受理员): registrations (立案) and how many within the 受理 limit;
    dispatcher (派遣员): dispatches and how many were not returned (准确派遣率);
    shift_lead (值班长): decisions on extension and parking requests."""
    lo, hi = -FAR if start is None else start, FAR if end is None else end
    steps = db.execute("SELECT s.incident_id, s.step, s.who, s.at, r.reported_at FROM case_steps s"
                       " JOIN case_records r ON r.incident_id = s.incident_id ORDER BY s.incident_id, s.seq")
    tally: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    limits = {k: stage_limits_h.get(k, v) * 3600 for k, v in (("verifying", 2), ("verified", 2), ("reported", 0.5))}
    entered: dict[str, float] = {}
    last_dispatch: tuple[str, str] | None = None
    current = None
    for s in steps:
        if s["incident_id"] != current:
            current, last_dispatch = s["incident_id"], None
            entered = {"reported": float(s["reported_at"])}
        name, who, at = s["step"], s["who"], float(s["at"])
        inside = lo <= at < hi
        if name == "send_to_verify":
            entered["verifying"] = at
        elif name == "finish":
            entered["verified"] = at
        if name in ("dispatch", "unpark") and not inside:
            last_dispatch = None  # a dispatch before the period: its return is not the period's
        if not inside and name != "return":
            continue
        if name in ("confirm", "refute", "close", "rework"):
            kind, state = ("verification", "verifying") if name in ("confirm", "refute") else ("check", "verified")
            row = tally[("inspector", who)]
            row[f"{kind}s"] += 1
            row[f"{kind}s_on_time"] += int(at - entered.get(state, at) <= limits[state])
        elif name in ("register", "send_to_verify"):
            row = tally[("intake", who)]
            row["registrations"] += 1
            row["registrations_on_time"] += int(at - entered["reported"] <= limits["reported"])
        elif name in ("dispatch", "unpark"):
            last_dispatch = ("dispatcher", who)
            tally[last_dispatch]["dispatches"] += 1
        elif name == "return" and last_dispatch is not None:
            tally[last_dispatch]["returned"] += 1
        elif name.startswith(("approve_", "refuse_")):
            tally[("shift_lead", who)]["decisions"] += 1
    for who, counts in inspector_reports(db, lo, hi).items():
        tally[("inspector", who)].update(counts)
    return [{"post": post, "group": who, **dict(row), **_post_rates(post, row)}
            for (post, who), row in sorted(tally.items())]


def _post_rates(post: str, row: Mapping[str, Any]) -> dict[str, float | None]:
    """The rates of a post's counts (one person's, or the post's totals)."""
    if post == "inspector":
        return {"on_time_verification_rate": _rate(row.get("verifications_on_time", 0), row.get("verifications", 0)),
                "on_time_check_rate": _rate(row.get("checks_on_time", 0), row.get("checks", 0)), **report_rates(row)}
    if post == "intake":
        return {"on_time_registration_rate": _rate(row.get("registrations_on_time", 0), row.get("registrations", 0))}
    if post == "dispatcher":
        return {"accurate_dispatch_rate": _rate(row.get("dispatches", 0) - row.get("returned", 0),
                                                row.get("dispatches", 0))}
    return {}


def post_totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each post's counts summed over its people, and the rates of those sums (group 合计)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int) and not isinstance(value, bool):
                sums[row["post"]][key] += value
    return [{"post": post, "group": "合计", **dict(counts), **_post_rates(post, counts)}
            for post, counts in sorted(sums.items())]


def inspector_reports(db: Db, lo: float, hi: float) -> dict[str, dict[str, Any]]:
    """Per grid inspector (their patrol app's id), over [lo, hi): their patrol-app reports (members of type
    city.grid.case), those that opened a case registered since (立案), and the cases registered in the
    cells they reported from, by source (hub/supervision/inspectors.py)."""
    members = db.execute("SELECT incident_id, source, grid_code FROM incident_members WHERE type = ? AND time >= ?"
                         " AND time < ? ORDER BY time", (INSPECTOR_REPORT, lo, hi))
    cases = {r["incident_id"]: r for r in db.execute(
        "SELECT incident_id, reporter, source, grid_code, registered_at FROM case_records"
        " WHERE registered_at IS NOT NULL")}
    counted: set[int] = set()  # a case counts once, for the report that opened it

    def effective(incident_id: int, who: str) -> bool:
        case = cases.get(incident_id)
        if case is None or case["reporter"] != who or incident_id in counted:
            return False
        counted.add(incident_id)
        return True

    reports = [(reporter_of(m["source"]), m["grid_code"], effective(m["incident_id"], reporter_of(m["source"])))
               for m in members]
    registered = [(r["grid_code"], r["source"]) for r in cases.values() if lo <= float(r["registered_at"]) < hi]
    return inspector_indicators(reports, registered)
