"""Events for the store suite, made by the hub's own pipeline steps: decode → place → classify and route."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.events import DeadLetter, Event, Message
from hub.geo import load_city
from hub.pipeline.decode import Limits, decode
from hub.pipeline.placement import place
from hub.pipeline.routing import classify_and_route
from hub.registry import load_registry
from hub.store import EventQuery
from hub.store.base import day_label, day_of_hour, hour_label

PENGJIANG = (113.08, 22.60)  # 440703 蓬江区
JIANGHAI = (113.11, 22.56)  # 440704 江海区
XINHUI = (113.03, 22.46)  # 440705 新会区
TAISHAN = (112.79, 22.25)  # 440781 台山市
DATA: dict[str, dict[str, Any]] = {
    "city.water.level": {"station_id": "S1", "level_m": 2.5},
    "city.fire.alarm": {"panel_id": "P1", "state": "fire"},
    "city.parking.occupancy": {"lot_id": "L1", "capacity": 100, "free": 10},
    "city.env.air": {"station_id": "A1", "interval": "hour", "pm25_ugm3": 35},
}
NOW_HOUR = math.floor(time.time() / 3600) * 3600  # events are placed in the hours before this one


def rfc3339(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def make_event(event_id: str, at: float, kind: str = "city.water.level", where: tuple[float, float] = PENGJIANG,
               device: str = "D1", grid: str | None = None) -> Event:
    """One event through decode, placement and routing; `grid` pins its cell (the lattice may not be built)."""
    domain = kind.split(".")[1]
    ce = {"specversion": "1.0", "id": event_id, "source": f"/jiangmen/{domain}/test/{device}", "type": kind,
          "time": rfc3339(at), "data": DATA[kind] | {"location": {"lon": where[0], "lat": where[1]}}}
    decoded = decode(Message(orjson.dumps(ce), f"city/{domain}/test", "mqtt"), Limits())
    assert isinstance(decoded, Event), decoded.reason
    placed, outside = place([decoded], load_city(), load_registry())
    assert placed and not outside, outside
    classify_and_route(placed)
    event = placed[0]
    assert event.hub is not None
    if grid:
        event.hub.grid_code, event.hub.community_code, event.hub.town_code = grid, grid[:12], grid[:9]
    return event


def every_page(store: Any, **query: Any) -> list[str]:
    """The ids of every page of a query, following `next_cursor` (the `before` of the next page)."""
    ids: list[str] = []
    before = None
    while True:
        page = store.events(EventQuery(**query, before=before))
        ids += [item["id"] for item in page.items]
        if page.next_cursor is None:
            return ids
        before = page.next_cursor


def make_dead(n: int, received_at: float | None = None, transport: str = "mqtt") -> DeadLetter:
    return DeadLetter(f"not json {n}".encode() + b"\xff\x00", f"invalid JSON: case {n}", transport,
                      f"city/water/bad{n}", 3 if transport == "kafka" else None, n if transport == "kafka" else None,
                      received_at if received_at is not None else time.time())


def city_day(hours_ago: float, kind: str, where: tuple[float, float], grid: str, n: int, prefix: str) -> list[Event]:
    """n events of one kind at one place, spread over the hour starting `hours_ago` hours before NOW_HOUR."""
    start = NOW_HOUR - hours_ago * 3600
    return [make_event(f"{prefix}-{i}", start + 3600 * (i + 0.5) / n, kind, where, grid=grid) for i in range(n)]


def sample() -> list[Event]:
    """A small city: three districts, four kinds, five cells, events over the last 30 hours."""
    return (
        city_day(2, "city.water.level", PENGJIANG, "440703001001001", 5, "w1")
        + city_day(2, "city.fire.alarm", PENGJIANG, "440703001001002", 2, "f1")
        + city_day(3, "city.parking.occupancy", JIANGHAI, "440704002001001", 4, "p1")
        + city_day(5, "city.water.level", XINHUI, "440705003002001", 3, "w2")
        + city_day(27, "city.env.air", TAISHAN, "440781004001001", 2, "a1")
        + city_day(28, "city.water.level", PENGJIANG, "440703001001001", 3, "w3")
    )


def expected(events: list[Event], by: str, since: float | None = None, until: float | None = None,
             domain: str | None = None) -> dict[Any, int]:
    """What `stats(by)` must say, counted here from the events themselves."""
    counts: Counter[Any] = Counter()
    for event in events:
        hub, moment = event.hub, datetime.fromisoformat(event.ce["time"].replace("Z", "+00:00")).timestamp()
        assert hub is not None
        if (since is not None and moment < since) or (until is not None and moment >= until):
            continue
        if domain and event.domain != domain:
            continue
        hour = math.floor(moment / 3600)
        counts[{"district": hub.district_code, "domain": event.domain, "type": event.ce["type"],
                "grid": hub.grid_code, "hour": hour_label(hour), "town": hub.town_code,
                "department": hub.department, "severity": hub.severity, "day": day_label(day_of_hour(hour))}[by]] += 1
    return dict(counts)
