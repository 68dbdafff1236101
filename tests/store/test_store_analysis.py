"""The store suite, part two: counts and the analysis views (事件分析图谱), on SQLite and on PostGIS.

Expected figures are counted in Python from the events that were written."""

from __future__ import annotations

import random
from typing import Any

import pytest

from hub.store.base import STATS_BY, bucket_start, day_label, day_of_hour
from tests.store.cases import NOW_HOUR, TAISHAN, city_day, expected, make_dead, make_event, sample

pytestmark = pytest.mark.integration


def as_dict(rows: list[dict[str, Any]]) -> dict[Any, int]:
    return {row["key"]: row["count"] for row in rows}


def test_counts(store: Any) -> None:
    assert store.counts() == {"events": 0, "deadletters": 0}
    store.write(sample(), [make_dead(1), make_dead(2, transport="kafka")])
    store.write(sample(), [make_dead(3)])  # the events again: duplicates are not counted
    assert store.counts() == {"events": len(sample()), "deadletters": 3}


@pytest.mark.parametrize("by", STATS_BY)
def test_stats_by_every_dimension(store: Any, by: str) -> None:
    events = sample()
    store.write(events, [])
    rows = store.stats(by)
    assert as_dict(rows) == expected(events, by)
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
    since = NOW_HOUR - 4 * 3600
    assert as_dict(store.stats(by, since=since)) == expected(events, by, since)
    assert as_dict(store.stats(by, since=since, domain="water")) == expected(events, by, since, domain="water")


def test_stats_over_ragged_windows_are_exact(store: Any) -> None:
    """Windows that cut hours in the middle: counters answer whole hours, the rest is counted from rows."""
    events = sample()
    store.write(events, [])
    rng = random.Random(5)
    for _ in range(25):
        since = NOW_HOUR - rng.uniform(0, 30) * 3600
        until = since + rng.choice([600, 3600, 5400, 7200 + 77, 20 * 3600])
        for by in ("district", "type", "hour", "grid"):
            assert as_dict(store.stats(by, since=since, until=until)) == expected(events, by, since, until), (
                by, since, until)
    assert store.stats("district", since=NOW_HOUR, until=NOW_HOUR - 1) == []


def test_stats_limit_and_bad_dimension(store: Any) -> None:
    store.write(sample(), [])
    assert store.stats("grid", limit=2) == [{"key": "440703001001001", "count": 8},
                                            {"key": "440704002001001", "count": 4}]
    with pytest.raises(ValueError, match="cannot count by 'colour'"):
        store.stats("colour")


def test_trend_per_hour_has_every_hour_zeros_included(store: Any) -> None:
    events = sample()
    store.write(events, [])
    since, until = NOW_HOUR - 6 * 3600, NOW_HOUR
    rows = store.trend(since, until)
    hours = range(NOW_HOUR // 3600 - 6, NOW_HOUR // 3600)
    assert [r["start"] for r in rows] == [bucket_start(h, "hour") for h in hours]
    hourly = expected(events, "hour", since, until)
    assert [r["count"] for r in rows] == [hourly.get(_hour_label(r["start"]), 0) for r in rows]
    assert sum(r["count"] for r in rows) == 14 and rows[0]["count"] == 0
    water = store.trend(since, until, domain="water")
    assert sum(r["count"] for r in water) == 8


def _hour_label(start: str) -> str:
    from datetime import UTC, datetime

    return datetime.fromisoformat(start).astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


def test_trend_per_local_day_by_domain(store: Any) -> None:
    events = sample()
    store.write(events, [])
    since = NOW_HOUR - 48 * 3600 + 1234  # not on an hour: the first hour comes from the rows
    rows = store.trend(since, NOW_HOUR, "day", by="domain")
    found: dict[tuple[str, str], int] = {(r["start"][:10], r["key"]): r["count"] for r in rows}
    wanted: dict[tuple[str, str], int] = {}
    for event in events:
        moment = _epoch(event.ce["time"])
        if since <= moment < NOW_HOUR:
            key = (day_label(day_of_hour(int(moment // 3600))), event.domain)
            wanted[key] = wanted.get(key, 0) + 1
    assert found == wanted
    assert all(r["start"].endswith("T00:00:00+08:00") for r in rows)
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    with pytest.raises(ValueError, match="bucket"):
        store.trend(since, NOW_HOUR, "week")


def _epoch(text: str) -> float:
    from hub.events import epoch

    return epoch(text)


def test_crosstab_district_by_domain_and_two_dimensions(store: Any) -> None:
    events = sample()
    store.write(events, [])
    table = {(r["row"], r["column"]): r["count"] for r in store.crosstab("district", "domain")}
    wanted: dict[tuple[Any, Any], int] = {}
    for e in events:
        wanted[(e.hub.district_code, e.domain)] = wanted.get((e.hub.district_code, e.domain), 0) + 1
    assert table == wanted
    by_type = {(r["row"], r["column"]): r["count"] for r in store.crosstab("town", "type", since=NOW_HOUR - 4 * 3600)}
    assert by_type == {("440703001", "city.water.level"): 5, ("440703001", "city.fire.alarm"): 2,
                       ("440704002", "city.parking.occupancy"): 4}
    severity = store.crosstab("department", "severity")
    assert sum(r["count"] for r in severity) == len(events)
    with pytest.raises(ValueError):
        store.crosstab("district", "district")


def test_top_recurring_cells(store: Any) -> None:
    events = sample() + city_day(50, "city.env.air", TAISHAN, "440781004001001", 1, "a2")
    store.write(events, [])
    top = store.top_cells(limit=3)
    assert [(c["grid_code"], c["count"]) for c in top] == [
        ("440703001001001", 8), ("440704002001001", 4), ("440705003002001", 3)]
    assert top[0]["district_code"] == "440703" and top[0]["town_code"] == "440703001"
    assert top[0]["days"] == len({day_label(day_of_hour(int(_epoch(e.ce["time"]) // 3600)))
                                  for e in events if e.hub.grid_code == "440703001001001"})
    assert top[0]["first"] < top[0]["last"] and top[0]["first"].endswith("+08:00")
    recent = store.top_cells(since=NOW_HOUR - 4 * 3600, domain="water")
    assert [(c["grid_code"], c["count"]) for c in recent] == [("440703001001001", 5)]
    taishan = store.top_cells(since=NOW_HOUR - 60 * 3600, until=NOW_HOUR - 20 * 3600)
    assert [(c["grid_code"], c["count"]) for c in taishan] == [("440703001001001", 3), ("440781004001001", 3)]
    assert taishan[1]["days"] == len({day_label(day_of_hour(int(_epoch(e.ce["time"]) // 3600)))
                                      for e in events if e.hub.grid_code == "440781004001001"})


def test_counters_rebuilt_from_rows_match_the_incremental_ones(store: Any) -> None:
    store.write(sample(), [make_dead(1)])
    store.write([make_event("late", NOW_HOUR - 7200 + 5, "city.fire.alarm")], [make_dead(2)])
    before = {by: store.stats(by) for by in STATS_BY}
    counts, trend = store.counts(), store.trend(NOW_HOUR - 30 * 3600, NOW_HOUR, by="district")
    store.rebuild_tallies()
    assert {by: store.stats(by) for by in STATS_BY} == before
    assert store.counts() == counts
    assert store.trend(NOW_HOUR - 30 * 3600, NOW_HOUR, by="district") == trend
