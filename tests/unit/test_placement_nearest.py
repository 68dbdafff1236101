"""A point's standard address is the nearest one within reach, whether looked up or remembered."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson

from hub.events import Event, Message
from hub.geo import load_city
from hub.pipeline.decode import Limits, decode_batch
from hub.pipeline.placement import ADDRESS_REACH_M, place
from hub.registry import load_registry

POINTS = [(113.08, 22.60), (113.11, 22.56), (113.03, 22.46), (112.79, 22.25), (113.0812, 22.6031)]


def batch(points: list[tuple[float, float]], first: int) -> list[Event]:
    when = datetime.fromtimestamp(time.time(), UTC).isoformat()
    messages = [Message(orjson.dumps({
        "specversion": "1.0", "id": f"L-{first + n}", "source": "/jiangmen/water/test/D1", "type": "city.water.level",
        "time": when, "data": {"station_id": "S1", "level_m": 2.5, "location": {"lon": lon, "lat": lat}}}),
        "city/water/test", "mqtt") for n, (lon, lat) in enumerate(points)]
    events, dead = decode_batch(messages, Limits())
    assert not dead, dead
    return events


def test_repeated_points_get_what_a_fresh_lookup_gives() -> None:
    city, registry = load_city(), load_registry()
    points = POINTS * 3
    for first in (0, 100):  # the second batch is answered from what the first looked up
        placed, outside = place(batch(points, first), city, registry)
        assert not outside and len(placed) == len(points)
        expected = city.nearest_addresses([p[0] for p in points], [p[1] for p in points])
        for event, (address_id, text, distance) in zip(placed, expected, strict=True):
            assert event.hub is not None
            near = distance <= ADDRESS_REACH_M
            assert (event.hub.standard_address_id, event.hub.standard_address) == (
                (address_id, text) if near else (None, None)), (event.hub.lon, event.hub.lat)
    assert any(event.hub and event.hub.standard_address_id for event in placed)
