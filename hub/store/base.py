"""The one interface every store implements, the query it answers, and the time arithmetic stores share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

from hub.events import DeadLetter, Event

# An event row: the columns in the order `hub.store.sql.event_row` gives them and the stores' INSERT and COPY take
EVENT_COLUMNS = ("uid", "source", "id", "type", "domain", "time", "received_at", "lon", "lat", "grid_code",
                 "town_code", "district_code", "severity", "department", "body", "raw")
(UID, SOURCE, ID, TYPE, DOMAIN, TIME, RECEIVED_AT, LON, LAT, GRID_CODE, TOWN_CODE, DISTRICT_CODE, SEVERITY, DEPARTMENT,
 BODY, RAW) = range(len(EVENT_COLUMNS))  # its positions, by name

# What the analysis views (事件分析图谱) group by. `hour` and `day` are time buckets: hours are
# labelled in UTC (`YYYY-MM-DDTHH:00:00Z`), days are local Jiangmen days (UTC+8, `YYYY-MM-DD`).
STATS_BY = ("district", "domain", "type", "grid", "hour", "town", "department", "severity", "day")
BUCKETS = ("hour", "day")
AREA_COLUMNS = ("district_code", "town_code", "department")  # what a user's area (hub/people) filters by
Area = Mapping[str, str]
LOCAL = timezone(timedelta(hours=8), "Asia/Shanghai")
LOCAL_OFFSET_S = 8 * 3600


@dataclass(frozen=True, slots=True)
class EventQuery:
    type: str | None = None
    domain: str | None = None
    district: str | None = None
    grid: str | None = None  # a grid code, or a prefix of one (town, community)
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    since: float | None = None  # event time, epoch seconds
    until: float | None = None
    limit: int = 100
    before: int | None = None  # paging cursor: the seq of the previous page's last event
    department: str | None = None  # the responsible department (a department user's area)


@dataclass(slots=True)
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: int | None = None


class Store(Protocol):
    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        """Store a batch in one transaction; return the events that were new (not duplicates).

        On any failure nothing of the batch is kept and the error is raised: the caller retries."""
        ...

    def events(self, query: EventQuery) -> Page:
        """Normalized events, newest event time first (ties: last stored first); `next_cursor` feeds
        `EventQuery.before`. A cursor the store did not hand out gives an empty page."""
        ...

    def event(self, uid: str) -> dict[str, Any] | None:
        """One normalized event with its raw original (base64) by the hub's uid or the CE id."""
        ...

    def stored(self, source: str, event_id: str) -> dict[str, Any] | None:
        """The stored event of this (source, id), as `event` gives it; None if there is none."""
        ...

    def deadletters(self, limit: int = 100, before: int | None = None) -> Page: ...

    def stats(self, by: str, since: float | None = None, until: float | None = None,
              domain: str | None = None, limit: int | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        """[{"key": k, "count": n}] by one of STATS_BY, most first; event time in [since, until). `area` (column →
        value of AREA_COLUMNS, a user's district, town or department) counts only the events there."""
        ...

    def trend(self, since: float, until: float | None = None, bucket: str = "hour", by: str | None = None,
              domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        """Counts per hour or local day, oldest first: [{"start": RFC 3339, "count": n}] with every bucket
        of the range (zeros included); with `by` (one of STATS_BY) one row per bucket and key that has events:
        [{"start", "key", "count"}]."""
        ...

    def crosstab(self, rows: str, columns: str, since: float | None = None, until: float | None = None,
                 domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        """Two-way counts, e.g. district × domain: [{"row": r, "column": c, "count": n}], most first."""
        ...

    def top_cells(self, since: float | None = None, until: float | None = None, limit: int = 20,
                  domain: str | None = None, area: Area | None = None) -> list[dict[str, Any]]:
        """The grid cells with most events (recurring problems): [{"grid_code", "district_code", "town_code",
        "count", "days" (local days with events), "first", "last"}], most first."""
        ...

    def counts(self) -> dict[str, int]:
        """{"events": n, "deadletters": n}"""
        ...

    def close(self) -> None: ...


def hour_label(hour: int) -> str:
    """The existing label of `stats(by="hour")`: the UTC hour."""
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:00:00Z")


def day_of_hour(hour: int) -> int:
    """The local (UTC+8) day number of an epoch hour."""
    return (hour * 3600 + LOCAL_OFFSET_S) // 86400


def day_label(day: int) -> str:
    return datetime.fromtimestamp(day * 86400 - LOCAL_OFFSET_S, LOCAL).strftime("%Y-%m-%d")


def bucket_start(index: int, bucket: str) -> str:
    """RFC 3339 local start of an hour or day bucket."""
    seconds = index * 3600 if bucket == "hour" else index * 86400 - LOCAL_OFFSET_S
    return datetime.fromtimestamp(seconds, LOCAL).isoformat()


def bucket_of(moment: float, bucket: str) -> int:
    return math.floor(moment / 3600) if bucket == "hour" else math.floor((moment + LOCAL_OFFSET_S) / 86400)


def local_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, LOCAL).isoformat()


def grid_range(prefix: str) -> tuple[str, str]:
    """[low, high) of all codes that start with `prefix`, for an index range scan (binary collation)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


@dataclass(frozen=True, slots=True)
class Window:
    """A time window cut at whole hours: counters answer `hours`, raw rows answer the ragged `edges`."""

    hours: tuple[int | None, int | None] | None
    edges: tuple[tuple[float, float], ...]

    @classmethod
    def of(cls, since: float | None, until: float | None) -> Window:
        if since is not None and until is not None:
            if since >= until:
                return cls(None, ())
            if math.ceil(since / 3600) >= math.floor(until / 3600):  # within about an hour: raw rows only
                return cls(None, ((since, until),))
        first = end = None
        edges: list[tuple[float, float]] = []
        if since is not None:
            first = math.ceil(since / 3600)
            if since < first * 3600:
                edges.append((since, first * 3600))
        if until is not None:
            end = math.floor(until / 3600)
            if until > end * 3600:
                edges.append((end * 3600, until))
        return cls((first, end), tuple(edges))
