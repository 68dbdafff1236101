"""What the SQL stores share: the rows of a batch, query filters and reading pages of history.

The stores keep the same tables: `events`, `deadletters` and the hourly counters `tallies`
(see hub.store.analysis).
"""

from __future__ import annotations

import base64
import math
from operator import attrgetter
from typing import Any

import orjson

from hub.events import DeadLetter, Event
from hub.store.analysis import Analysis, tally_rows
from hub.store.base import EVENT_COLUMNS, EventQuery, Page, grid_range

__all__ = ["DEAD_COLUMNS", "EVENT_COLUMNS", "SqlStore", "dead_row", "event_row", "event_rows", "tally_rows"]
DEAD_COLUMNS = ("received_at", "reason", "transport", "topic", "partition", '"offset"', "raw")


# The hub block's columns of an event row, from RECEIVED_AT to DEPARTMENT, read in one C call
_HUB_COLUMNS = attrgetter("received_at", "lon", "lat", "grid_code", "town_code", "district_code", "severity",
                          "department")


def event_row(event: Event) -> tuple[Any, ...]:
    """One event's row in EVENT_COLUMNS order (the body is its `normalized_json`, the raw its payload)."""
    return event_rows([event])[1][0]


def event_rows(events: list[Event]) -> tuple[list[Event], list[tuple[Any, ...]]]:
    """The batch without repeats of a (source, id), first one wins, in batch order, and their rows in
    EVENT_COLUMNS order (the body is each event's `normalized_json`, the raw its payload), in one pass over
    the batch."""
    unique: list[Event] = []
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[str, str]] = set()
    keep, add, count = unique.append, rows.append, seen.add
    for event in events:
        hub = event.hub
        if hub is None:
            raise ValueError(f"event {event.key} was not normalized: it has no hub block")
        ce = event.ce
        key = event.key
        if key in seen:
            continue
        count(key)
        keep(event)
        add((hub.uid, ce["source"], ce["id"], ce["type"], event.domain, event.seconds, *_HUB_COLUMNS(hub),
             event.normalized_json(), event.message.payload))
    return unique, rows


def dead_row(dead: DeadLetter) -> tuple[Any, ...]:
    return (dead.received_at, dead.reason, dead.transport, dead.topic, dead.partition, dead.offset, dead.raw)


def _with_raw(rows: list[tuple[Any, ...]]) -> dict[str, Any] | None:
    """The first (body, raw) row as the normalized event with its raw original (base64)."""
    if not rows:
        return None
    body, raw = rows[0]
    return orjson.loads(body) | {"raw": base64.b64encode(raw).decode()}


class SqlStore(Analysis):
    """History reads over the shared schema; a subclass supplies `_rows`, `_bbox_sql`, `write` and the dialect."""

    # history -------------------------------------------------------------------------------------
    # Newest event first: ORDER BY time DESC, seq DESC, which the (…, time) indexes serve directly. The
    # cursor is the seq of a page's last item; the next page starts just after it in that order.
    walk_bbox = True  # False: one query, the database's planner weighs the spatial index against time order
    walk_prefix = False  # True: a busy grid prefix (a town, a community) walks back in time windows too
    busy_prefix = 20_000  # … when it holds at least this many events
    first_window_s = 3600.0  # a walk looks back this far first, then four times as far …

    def _bbox_sql(self, bbox: tuple[float, float, float, float], low: float, high: float) -> tuple[str, list[Any]]:
        """The store's clause for events in `bbox` with time in [low, high) (the caller checks time exactly)."""
        raise NotImplementedError

    def events(self, query: EventQuery) -> Page:
        if query.limit < 1:
            raise ValueError("limit must be at least 1")
        where, args = self._filters(query)
        if query.before is not None:
            found = self._rows("SELECT time FROM events WHERE seq = ?", [query.before])
            if not found:  # not a cursor this store handed out: nothing follows it
                return Page()
            where.append("time <= ? AND (time < ? OR seq < ?)")
            args += [found[0][0], found[0][0], query.before]
        sql = f"SELECT seq, body FROM events WHERE {' AND '.join(where)} {{}} ORDER BY time DESC, seq DESC LIMIT ?"
        if (query.bbox and self.walk_bbox) or (not query.bbox and self._walks_prefix(query.grid)):
            rows = self._walk_back(sql, args, query, found[0][0] if query.before is not None else None)
        elif query.bbox:
            clause, more = self._bbox_sql(query.bbox, -math.inf, math.inf)
            rows = self._rows(sql.format(f"AND {clause}"), [*args, *more, query.limit + 1])
        else:
            rows = self._rows(sql.format(""), [*args, query.limit + 1])
        items = [orjson.loads(body) for _, body in rows[: query.limit]]
        return Page(items, rows[query.limit - 1][0] if len(rows) > query.limit else None)

    def _walks_prefix(self, grid: str | None) -> bool:
        """A grid prefix read through the (grid_code, time) index must sort all its events by time: fine for a
        quiet one, ≈ 0.2–0.6 s for a busy town at 10 M events. A busy one walks back through the time index."""
        if not (self.walk_prefix and grid and len(grid) < 15):
            return False
        low, high = grid_range(grid)
        held = self._rows("SELECT count(*) FROM (SELECT 1 FROM events WHERE grid_code >= ? AND grid_code < ? LIMIT ?)",
                          [low, high, self.busy_prefix])[0][0]
        return bool(held >= self.busy_prefix)

    def _walk_back(self, sql: str, args: list[Any], query: EventQuery, cursor: float | None) -> list[tuple[Any, ...]]:
        """Newest time window first, each four times longer, until the page is full. A busy downtown box or
        town fills it in the first window, a quiet box costs a few cheap index probes."""
        oldest, newest = self._rows("SELECT (SELECT min(time) FROM events), (SELECT max(time) FROM events)")[0]
        if oldest is None:
            return []
        high = math.nextafter(newest, math.inf)
        if cursor is not None:
            high = min(high, math.nextafter(cursor, math.inf))
        if query.until is not None:
            high = min(high, query.until)
        floor = max(oldest, query.since) if query.since is not None else oldest
        rows: list[tuple[Any, ...]] = []
        span = self.first_window_s
        while high > floor and len(rows) <= query.limit:
            low = max(floor, high - span)
            clause, more = self._bbox_sql(query.bbox, low, high) if query.bbox else ("1=1", [])
            rows += self._rows(sql.format(f"AND time >= ? AND time < ? AND {clause}"),
                               [*args, low, high, *more, query.limit + 1 - len(rows)])
            high, span = low, span * 4
        return rows

    def _filters(self, query: EventQuery) -> tuple[list[str], list[Any]]:
        where: list[str] = ["1=1"]
        args: list[Any] = []
        for column, value in (("type", query.type), ("domain", query.domain), ("district_code", query.district),
                              ("department", query.department)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if query.grid and len(query.grid) >= 15:
            where.append("grid_code = ?")
            args.append(query.grid)
        elif query.grid:
            where.append("grid_code >= ? AND grid_code < ?")
            args += grid_range(query.grid)
        for clause, bound in (("time >= ?", query.since), ("time < ?", query.until)):
            if bound is not None:
                where.append(clause)
                args.append(bound)
        return where, args

    def event(self, uid: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT body, raw FROM events WHERE uid = ?", [uid]) or self._rows(
            "SELECT body, raw FROM events WHERE id = ? ORDER BY seq DESC LIMIT 1", [uid])
        return _with_raw(rows)

    def stored(self, source: str, event_id: str) -> dict[str, Any] | None:
        return _with_raw(self._rows("SELECT body, raw FROM events WHERE id = ? AND source = ?", [event_id, source]))

    def deadletters(self, limit: int = 100, before: int | None = None) -> Page:
        rows = self._rows(
            'SELECT seq, received_at, reason, transport, topic, partition, "offset", raw FROM deadletters'
            " WHERE seq < ? ORDER BY seq DESC LIMIT ?", [before if before is not None else 2**62, limit + 1])
        items = [
            {"seq": r[0], "received_at": r[1], "reason": r[2], "transport": r[3], "topic": r[4],
             "partition": r[5], "offset": r[6], "raw": base64.b64encode(r[7]).decode()}
            for r in rows[:limit]
        ]
        return Page(items, rows[limit - 1][0] if len(rows) > limit else None)

    def counts(self) -> dict[str, int]:
        found = dict(self._rows("SELECT dim, sum(count) FROM tallies WHERE dim IN ('type', 'deadletter') GROUP BY dim"))
        return {"events": int(found.get("type") or 0), "deadletters": int(found.get("deadletter") or 0)}
