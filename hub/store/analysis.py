"""The analysis views (事件分析图谱) both SQL stores answer: counts by district, town, type, domain,
department, severity, grid cell, hour and day; trends; two-way tables; the top recurring cells.

Counters (`tallies`): per event hour, domain and one dimension (district, town, type, department,
severity) the number of stored events; dead letters per hour and transport. They are updated in the
write transaction, so they are exact; a query over whole hours reads them, the ragged ends of its
window (less than an hour each) are counted from the events themselves. Counting by grid cell, or by
two dimensions at once, reads the events.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any

from hub.events import DeadLetter
from hub.store.base import (
    AREA_COLUMNS,
    BUCKETS,
    DEPARTMENT,
    DISTRICT_CODE,
    DOMAIN,
    SEVERITY,
    STATS_BY,
    TIME,
    TOWN_CODE,
    TYPE,
    Area,
    Window,
    bucket_of,
    bucket_start,
    day_label,
    day_of_hour,
    hour_label,
    local_time,
)

TALLY_DIMS = {"district": "district_code", "town": "town_code", "type": "type", "department": "department",
              "severity": "severity"}
RAW_AXES = TALLY_DIMS | {"domain": "domain", "grid": "grid_code"}
MAX_BUCKETS = 20_000
Key = tuple[Any, ...]


def rebuild_statements(hour_of: str, temp: str) -> list[str]:
    """SQL that recounts `tallies` from the stored rows (after a bulk load, or for a database older than
    the counters). `hour_of(column)` is the dialect's epoch-hour expression, `temp` its temporary-table
    clause."""
    per_dim = "INSERT INTO tallies SELECT '{dim}', hour, domain, {key}, sum(n) FROM hourly GROUP BY 2, 3, 4"
    return [
        "DELETE FROM tallies",
        f"CREATE {temp} hourly AS SELECT {hour_of.format('time')} AS hour, domain, district_code, town_code,"
        " type, department, severity, count(*) AS n FROM events GROUP BY 1, 2, 3, 4, 5, 6, 7",
        per_dim.format(dim="district", key="coalesce(district_code, '')"),
        per_dim.format(dim="town", key="coalesce(town_code, '')"),
        per_dim.format(dim="type", key="type"),
        per_dim.format(dim="department", key="coalesce(department, '')"),
        per_dim.format(dim="severity", key="CAST(severity AS TEXT)"),
        f"INSERT INTO tallies SELECT 'deadletter', {hour_of.format('received_at')}, '', transport, count(*)"
        " FROM deadletters GROUP BY 2, 3, 4",
        "DROP TABLE hourly",
    ]


def tally_rows(rows: list[tuple[Any, ...]], dead: list[DeadLetter]) -> list[tuple[str, int, str, str, int]]:
    """(dim, hour, domain, key, count) increments for fresh event rows and dead letters, in key order
    (a fixed order keeps concurrent writers from deadlocking on the counters).

    Rows are first grouped by (hour, domain, the five dimensions) in one pass (a batch holds far fewer
    groups than rows), then each group adds to its five counters."""
    groups = Counter((math.floor(row[TIME] / 3600), row[DOMAIN], row[DISTRICT_CODE], row[TOWN_CODE], row[TYPE],
                      row[DEPARTMENT], row[SEVERITY]) for row in rows)
    counts: Counter[tuple[str, int, str, str]] = Counter()
    for (hour, domain, district, town, kind, department, severity), n in groups.items():
        counts[("district", hour, domain, "" if district is None else str(district))] += n
        counts[("town", hour, domain, "" if town is None else str(town))] += n
        counts[("type", hour, domain, str(kind))] += n
        counts[("department", hour, domain, "" if department is None else str(department))] += n
        counts[("severity", hour, domain, "" if severity is None else str(severity))] += n
    for letter in dead:
        counts[("deadletter", math.floor(letter.received_at / 3600), "", letter.transport)] += 1
    return [(*key, n) for key, n in sorted(counts.items())]


def _label(axis: str, value: Any) -> Any:
    if axis == "hour":
        return hour_label(value)
    if axis == "day":
        return day_label(value)
    return value


def _order(key: Any) -> str:
    return "" if key is None else str(key)


class Analysis:
    """Analysis views over `events` and `tallies`; the store supplies `_rows` and its SQL for time buckets."""

    hour_sql = "CAST(time / 3600 AS INTEGER)"
    day_sql = "CAST((time + 28800) / 86400 AS INTEGER)"

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def stats(self, by: str, since: float | None = None, until: float | None = None,
              domain: str | None = None, limit: int | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        counted = self._count((by,), since, until, domain, area)
        rows = sorted(((_label(by, k[0]), n) for k, n in counted.items()), key=lambda r: (-r[1], _order(r[0])))
        return [{"key": k, "count": n} for k, n in rows[:limit]]

    def trend(self, since: float, until: float | None = None, bucket: str = "hour", by: str | None = None,
              domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        if bucket not in BUCKETS:
            raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}")
        until = until if until is not None else float(math.ceil(time.time()))
        if since >= until:
            return []
        first, last = bucket_of(since, bucket), bucket_of(math.nextafter(until, -math.inf), bucket)
        if last - first >= MAX_BUCKETS:
            raise ValueError(f"too many {bucket} buckets ({last - first + 1}); at most {MAX_BUCKETS}")
        if by is None:
            counted = self._count((bucket,), since, until, domain, area)
            return [{"start": bucket_start(i, bucket), "count": counted.get((i,), 0)} for i in range(first, last + 1)]
        counted = self._count((bucket, by), since, until, domain, area)
        rows = sorted(counted.items(), key=lambda r: (r[0][0], -r[1], _order(r[0][1])))
        return [{"start": bucket_start(k[0], bucket), "key": _label(by, k[1]), "count": n} for k, n in rows]

    def crosstab(self, rows: str, columns: str, since: float | None = None, until: float | None = None,
                 domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        if rows == columns:
            raise ValueError("rows and columns must differ")
        counted = self._count((rows, columns), since, until, domain, area)
        found = sorted(((_label(rows, k[0]), _label(columns, k[1]), n) for k, n in counted.items()),
                       key=lambda r: (-r[2], _order(r[0]), _order(r[1])))
        return [{"row": r, "column": c, "count": n} for r, c, n in found]

    def top_cells(self, since: float | None = None, until: float | None = None, limit: int = 20,
                  domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        where, args = self._window_where(since, until, domain, area)
        rows = self._rows(
            f"SELECT grid_code, count(*), count(DISTINCT {self.day_sql}), min(time), max(time) FROM events"
            f" WHERE grid_code IS NOT NULL AND {where} GROUP BY grid_code ORDER BY 2 DESC, 1 LIMIT ?",
            [*args, limit])
        return [{"grid_code": g, "district_code": g[:6], "town_code": g[:9], "count": n, "days": d,
                 "first": local_time(a), "last": local_time(b)} for g, n, d, a, b in rows]

    # counting --------------------------------------------------------------------------------------
    def _count(self, axes: tuple[str, ...], since: float | None, until: float | None,
               domain: str | None, area: Area | None = None) -> Counter[Key]:
        for axis in axes:
            if axis not in STATS_BY:
                raise ValueError(f"cannot count by {axis!r}: use one of {', '.join(STATS_BY)}")
        dims = [a for a in axes if a in TALLY_DIMS]
        if "grid" in axes or len(dims) > 1 or area:  # the counters are city-wide: an area counts its events
            return self._count_raw(axes, since, until, domain, area)
        window = Window.of(since, until)
        total: Counter[Key] = Counter()
        if window.hours:
            total = self._count_tallies(axes, dims[0] if dims else "type", window.hours, domain)
        for start, end in window.edges:
            total.update(self._count_raw(axes, start, end, domain))
        return total

    def _count_tallies(self, axes: tuple[str, ...], dim: str, hours: tuple[int | None, int | None],
                       domain: str | None) -> Counter[Key]:
        columns = ["key" if a == dim else "domain" if a == "domain" else "hour" for a in axes]
        where: list[str] = ["dim = ?"]
        args: list[Any] = [dim]
        for clause, value in (("hour >= ?", hours[0]), ("hour < ?", hours[1]), ("domain = ?", domain)):
            if value is not None:
                where.append(clause)
                args.append(value)
        group = ", ".join(str(i + 1) for i in range(len(axes)))
        rows = self._rows(f"SELECT {', '.join(columns)}, sum(count) FROM tallies WHERE {' AND '.join(where)}"
                          f" GROUP BY {group}", args)
        counted: Counter[Key] = Counter()
        for row in rows:
            key = tuple(self._tally_value(a, dim, v) for a, v in zip(axes, row, strict=False))
            counted[key] += int(row[-1])
        return counted

    @staticmethod
    def _tally_value(axis: str, dim: str, value: Any) -> Any:
        if axis == "day":
            return day_of_hour(int(value))
        if axis == "hour":
            return int(value)
        if axis == dim:
            return None if value == "" else int(value) if dim == "severity" else value
        return value

    def _count_raw(self, axes: tuple[str, ...], since: float | None, until: float | None,
                   domain: str | None, area: Area | None = None) -> Counter[Key]:
        exprs = [self.hour_sql if a == "hour" else self.day_sql if a == "day" else RAW_AXES[a] for a in axes]
        where, args = self._window_where(since, until, domain, area)
        group = ", ".join(str(i + 1) for i in range(len(axes)))
        rows = self._rows(f"SELECT {', '.join(exprs)}, count(*) FROM events WHERE {where} GROUP BY {group}", args)
        return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})

    @staticmethod
    def _window_where(since: float | None, until: float | None, domain: str | None,
                      area: Area | None = None) -> tuple[str, list[Any]]:
        where, args = ["1=1"], []
        for clause, value in (("time >= ?", since), ("time < ?", until), ("domain = ?", domain)):
            if value is not None:
                where.append(clause)
                args.append(value)
        for column, value in (area or {}).items():
            if column not in AREA_COLUMNS:
                raise ValueError(f"an area is one of {', '.join(AREA_COLUMNS)}, not {column!r}")
            where.append(f"{column} = ?")
            args.append(value)
        return " AND ".join(where), args
