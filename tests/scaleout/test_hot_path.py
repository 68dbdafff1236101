"""The hot path's speed-ups keep their answers: each fast form against the plain one it replaced."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.events import DeadLetter, Event, Message, event_uid
from hub.geo import load_city
from hub.incidents.neighbours import TOUCH_DEG, CellNeighbours, cell_features
from hub.pipeline.decode import Limits, decode


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80), st.text(max_size=120), st.text(max_size=80), st.text(max_size=120),
       st.floats(0, 2e10), st.floats(0, 2e10))
def test_event_uid_is_stable_ordered_by_time_and_tells_events_apart(
        source: str, event_id: str, other_source: str, other_id: str, at: float, later: float) -> None:
    uid = event_uid(source, event_id, at)
    assert uid == event_uid(source, event_id, at) == str(uuid.UUID(uid))
    if (other_source, other_id) != (source, event_id):
        assert event_uid(other_source, other_id, at) != uid
    if int(later * 1000) > int(at * 1000):  # in the order of event time, to the millisecond
        assert event_uid(other_source, other_id, later) > uid


def nested(depth: int) -> object:
    value: object = 1
    for n in range(depth - 1):
        value = {"a": value} if n % 2 else [value]
    return value


def test_the_depth_limit_holds_with_the_bracket_count_shortcut() -> None:
    limits = Limits()
    base = {"specversion": "1.0", "id": "x", "source": "/jiangmen/parking/lots/P1", "type": "city.parking.occupancy",
            "time": datetime.now(UTC).isoformat()}
    for depth, refused in ((limits.max_depth - 2, False), (limits.max_depth + 5, True)):
        body = base | {"data": {"lot_id": "P1", "capacity": 1, "free": 0, "x": nested(depth)}}
        found = decode(Message(orjson.dumps(body), "city/parking/lots", "kafka"), limits)
        assert isinstance(found, DeadLetter if refused else Event), (depth, found)
        assert not refused or "nested deeper" in found.reason
    # brackets inside strings count but do not nest: still accepted
    body = base | {"data": {"lot_id": "[" * 30 + "{" * 30, "capacity": 1, "free": 0}}
    assert isinstance(decode(Message(orjson.dumps(body), "city/parking/lots", "kafka"), limits), Event)


def test_neighbour_sets_answer_as_the_pairwise_geometry_test_did() -> None:
    import shapely
    from shapely.geometry import shape

    city = load_city()
    features = cell_features(city)
    neighbours = CellNeighbours(city)
    rng = random.Random(2021)
    for code in rng.sample(sorted(features), 40):
        me = shape(features[code])
        x0, y0, x1, y1 = me.bounds
        for other in city.cells_geojson((x0 - 0.01, y0 - 0.01, x1 + 0.01, y1 + 0.01))["features"]:
            other_code = str(other["properties"]["code"])
            touching = other_code == code or shapely.distance(me, shape(other["geometry"])) <= TOUCH_DEG
            assert neighbours(code, other_code) == touching, (code, other_code)
