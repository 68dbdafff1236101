"""Bounding boxes find exactly the events inside them, whatever the box: edges on tile boundaries (the
SQLite store indexes points by 0.05° tiles), points a hair either side of them, a box that is one point,
boxes of many tiles and boxes larger than the city, with and without a time window (both stores)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pytest

from hub.events import Event, epoch
from hub.store import EventQuery
from tests.store.cases import NOW_HOUR, every_page, make_event
from tests.store.conftest import open_kind

pytestmark = pytest.mark.integration

# A hair: SQLite compares lon and lat exactly; PostGIS's `geom && box` compares float4 boxes (~1e-5° here)
HAIR = {"sqlite": 1e-9, "postgres": 1e-4}


def boxes(hair: float) -> list[tuple[float, float, float, float]]:
    return [
        (113.05, 22.55, 113.1, 22.6),  # edges exactly on tile boundaries
        (113.05, 22.55, 113.05, 22.55),  # one point
        (113.0, 22.5, 113.05 - hair, 22.55 - hair),  # up to a hair before the boundary
        (113.05 + hair, 22.55 + hair, 113.2, 22.7),  # from a hair after it
        (113.01, 22.51, 113.09, 22.59),  # crossing tiles, corners inside
        (112.0, 21.0, 114.0, 23.0),  # hundreds of tiles
        (100.0, 10.0, 130.0, 40.0),  # more tiles than the index is asked for: read in time order
        (-180.0, -90.0, 180.0, 90.0),
        (113.2, 22.7, 113.3, 22.8),  # nothing there
    ]


def events(hair: float) -> list[Event]:
    lons = (113.0, 113.05 - hair, 113.05, 113.05 + hair, 113.08, 113.1)
    lats = (22.5, 22.55 - hair, 22.55, 22.55 + hair, 22.6)
    made = []
    for n, (lon, lat) in enumerate(itertools.product(lons, lats)):
        for k in range(2):
            made.append(make_event(f"p{n}-{k}", NOW_HOUR - 3600 * (1 + 7 * k + n % 5) - n, where=(lon, lat)))
    return made


def inside(event: Event, box: tuple[float, float, float, float]) -> bool:
    assert event.hub is not None and event.hub.lon is not None and event.hub.lat is not None
    return box[0] <= event.hub.lon <= box[2] and box[1] <= event.hub.lat <= box[3]


def test_boxes_find_exactly_the_events_inside_them(store_kind: str, store: Any) -> None:
    made = events(HAIR[store_kind])
    store.write(made, [])
    assert store.counts()["events"] == len(made)
    since, until = NOW_HOUR - 3600 * 6, NOW_HOUR - 3600 * 2
    for box in boxes(HAIR[store_kind]):
        got = [item["id"] for item in store.events(EventQuery(bbox=box, limit=1000)).items]
        assert sorted(got) == sorted(e.ce["id"] for e in made if inside(e, box)), box
        window = {item["id"] for item in store.events(EventQuery(bbox=box, since=since, until=until)).items}
        assert window == {e.ce["id"] for e in made if inside(e, box) and since <= epoch(e.ce["time"]) < until}, box
        assert every_page(store, bbox=box, limit=7) == got, box  # paged, the same events in the same order


def test_sqlite_boxes_with_infinite_or_missing_edges(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """SQLite only: PostGIS refuses non-finite envelopes; the API passes only what parse_bbox accepts."""
    store = open_kind("sqlite", request, tmp_path)
    made = events(HAIR["sqlite"])[:10]
    store.write(made, [])
    everything = (-math.inf, -math.inf, math.inf, math.inf)
    assert len(store.events(EventQuery(bbox=everything, limit=1000)).items) == len(made)
    assert store.events(EventQuery(bbox=(math.nan, 22.0, 114.0, 23.0))).items == []
    store.close()
