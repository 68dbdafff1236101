"""A city's historic case log (案卷记录) read from CSV, one row a case (columns in docs/EVALUATION.md).

Every row is checked before it counts: a row with a missing or malformed field, times out of order,
an unknown source or state, a repeated case id, or a time in a year the holiday calendar does not
know is reported with its line number (the header is line 1) and its reason, and left out of every
count; no value is guessed. Empty `reworks` and `extension_wh` mean none; empty step times mean the
step has not happened.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

import numpy as np

from hub.supervision.evaluation import Cases
from hub.supervision.inspectors import inspector_indicators
from hub.supervision.worktime import Limit, UnknownYear, WorkClock, parse_limit

COLUMNS = ("case_id", "source", "category", "district_code", "department", "reported_at", "registered_at",
           "dispatched_at", "handled_at", "closed_at", "limit", "reworks", "extension_wh", "state")
SOURCES = ("inspector", "public", "sensor")
STATES = ("reported", "verifying", "registered", "dispatched", "in_progress", "verified", "closed", "rejected",
          "parked")
STEPS = ("reported_at", "registered_at", "dispatched_at", "handled_at", "closed_at")
OPTIONAL = ("reporter", "grid_code")  # the reporting inspector (inspector rows) and the unit-grid cell
GROUPINGS = {"department": "department", "district": "district_code"}


class BadRow(ValueError):
    """A row that cannot be counted; the message is the reason."""


@dataclass(slots=True)
class CaseRow:
    line: int
    case_id: str
    source: str
    category: str
    district_code: str
    department: str
    times: dict[str, float]  # epoch seconds by step column; NaN when empty
    limit: Limit | None
    reworks: int
    extension_wh: float
    state: str
    reporter: str = ""
    grid_code: str = ""


@dataclass
class CaseLog:
    rows: list[CaseRow] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _time(text: str, column: str) -> float:
    if not text:
        return math.nan
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadRow(f"{column} {text!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise BadRow(f"{column} {text!r} has no UTC offset")
    return at.timestamp()


def _number(text: str, column: str, kind: type[int] | type[float]) -> float:
    if not text:
        return 0
    try:
        value = kind(text)
    except ValueError:
        raise BadRow(f"{column} {text!r} is not a {'whole ' if kind is int else ''}number") from None
    if not math.isfinite(value) or value < 0:
        raise BadRow(f"{column} {text!r} is negative or not finite")
    return value


def parse_row(line: int, raw: dict[str, str | None]) -> CaseRow:
    values = {k: (raw.get(k) or "").strip() for k in (*COLUMNS, *OPTIONAL)}
    if None in raw:
        raise BadRow("more fields than the header has")
    for column in ("case_id", "source", "department", "district_code", "reported_at", "state"):
        if not values[column]:
            raise BadRow(f"{column} is empty")
    if values["source"] not in SOURCES:
        raise BadRow(f"source {values['source']!r} is not one of {', '.join(SOURCES)}")
    if values["state"] not in STATES:
        raise BadRow(f"state {values['state']!r} is not one of {', '.join(STATES)}")
    times = {column: _time(values[column], column) for column in STEPS}
    done = [(c, t) for c, t in times.items() if not math.isnan(t)]
    for (c1, t1), (c2, t2) in pairwise(done):
        if t2 < t1:
            raise BadRow(f"{c2} is before {c1}")
    if not math.isnan(times["handled_at"]) and math.isnan(times["dispatched_at"]):
        raise BadRow("handled_at without dispatched_at")
    limit = None
    if values["limit"]:
        try:
            limit = parse_limit(values["limit"])
        except ValueError as err:
            raise BadRow(str(err)) from None
    elif not math.isnan(times["dispatched_at"]):
        raise BadRow("limit is empty for a dispatched case")
    if values["grid_code"] and not values["grid_code"].isdigit():
        raise BadRow(f"grid_code {values['grid_code']!r} is not a unit-grid code (digits)")
    if values["reporter"] and values["source"] != "inspector":
        raise BadRow(f"reporter {values['reporter']!r} on a {values['source']} row: only inspectors' reports have one")
    return CaseRow(line, values["case_id"], values["source"], values["category"], values["district_code"],
                   values["department"], times, limit, int(_number(values["reworks"], "reworks", int)),
                   float(_number(values["extension_wh"], "extension_wh", float)), values["state"],
                   values["reporter"], values["grid_code"])


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, CaseRow | str]]:
    """(line, row) for each good row and (line, reason) for each bad one."""
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        yield 1, f"header lacks {', '.join(missing)}"
        return
    seen: set[str] = set()
    for raw in reader:
        line = reader.line_num
        try:
            row = parse_row(line, raw)
        except BadRow as err:
            yield line, str(err)
            continue
        if row.case_id in seen:
            yield line, f"case_id {row.case_id!r} repeats an earlier row"
            continue
        seen.add(row.case_id)
        yield line, row


def read_case_log(source: Path | IO[str], clock: WorkClock) -> CaseLog:
    """The log's good rows, each with a deadline the clock can count, and the bad rows with reasons."""
    log = CaseLog()
    if isinstance(source, Path):
        with source.open(encoding="utf-8-sig", newline="") as f:
            found = list(read_rows(f))
    else:
        found = list(read_rows(source))
    for line, item in found:
        if isinstance(item, str):
            log.bad.append((line, item))
        elif any(not clock.origin <= t < clock.end for t in item.times.values() if not math.isnan(t)):
            log.bad.append((line, "a time lies in a year the holiday calendar (chinesecalendar) does not know"))
        else:
            log.rows.append(item)
    try:
        _deadlines(clock, log.rows)
    except UnknownYear:  # some deadline runs past the calendar: find which, one by one
        kept = []
        for row in log.rows:
            try:
                _deadlines(clock, [row])
                kept.append(row)
            except UnknownYear as err:
                log.bad.append((row.line, f"the deadline cannot be counted: {err}"))
        log.rows = kept
        log.bad.sort()
    return log


def _deadlines(clock: WorkClock, rows: list[CaseRow]) -> np.ndarray:
    start = np.array([r.times["dispatched_at"] for r in rows])
    sent = ~np.isnan(start)
    limit = np.array([r.limit.seconds if r.limit else 0.0 for r in rows])
    natural = np.array([bool(r.limit and r.limit.natural) for r in rows])
    ext = np.array([r.extension_wh for r in rows])
    out = np.full(len(rows), np.nan)
    if sent.any():
        out[sent] = clock.deadline(start[sent], limit[sent], natural[sent], ext[sent])
    return out


def to_cases(rows: list[CaseRow], clock: WorkClock, by: str | None) -> Cases:
    """The rows as columns for `evaluate`, grouped by department or district (one group when None)."""
    keys = [getattr(r, GROUPINGS[by]) if by else "全部" for r in rows]
    names = sorted(set(keys))
    index = {name: i for i, name in enumerate(names)}

    def column(step: str) -> np.ndarray:
        return np.array([r.times[step] for r in rows], dtype=np.float64)

    return Cases(np.array([index[k] for k in keys], dtype=np.int64), names, column("dispatched_at"),
                 _deadlines(clock, rows), column("handled_at"), column("closed_at"),
                 np.array([r.reworks for r in rows], dtype=np.int64),
                 np.array([r.state == "parked" for r in rows], dtype=bool))


def inspectors(rows: list[CaseRow], start: float, end: float) -> dict[str, dict[str, Any]]:
    """有效上报率 and 漏报率 per reporting inspector (hub/supervision/inspectors.py): their rows reported in
    [start, end) and whether each was registered; the rows registered in [start, end), by cell and source."""
    reports = [(r.reporter, r.grid_code or None, not math.isnan(r.times["registered_at"])) for r in rows
               if r.reporter and start <= r.times["reported_at"] < end]
    registered = [(r.grid_code or None, r.source) for r in rows if start <= r.times["registered_at"] < end]
    return inspector_indicators(reports, registered)
