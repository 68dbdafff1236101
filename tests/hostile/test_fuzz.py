"""Property-based fuzzing of the hub's validation: whatever arrives, decode and the pipeline never raise,
every message ends as a stored event, a duplicate or a dead letter with a reason, and the counts add up
in a real SQLite store."""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.events import DeadLetter, Event, Message
from hub.geo import load_city
from hub.pipeline.decode import Limits, decode
from hub.pipeline.process import Pipeline
from hub.registry import load_registry
from hub.store import open_store

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOPICS = st.sampled_from(["city/parking/lots", "city/parking/berths", "city/water/sl651", "city/x/y", "city/parking"])
NOW = datetime.now(UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.sampled_from([UTC, None])).map(lambda t: t.isoformat()),
    st.timedeltas(timedelta(days=-40), timedelta(hours=1)).map(lambda d: (NOW + d).isoformat()),
    st.text(max_size=30),
)
coordinates = st.floats(allow_nan=False, allow_infinity=False) | st.floats(-200, 200) | st.floats(112, 113.5)


def dumps(value: Any) -> bytes:
    """JSON as any sender might write it (the standard library: integers of any size)."""
    return json.dumps(value, ensure_ascii=False).encode()


def parking_event() -> dict[str, Any]:
    return {"specversion": "1.0", "id": "JM-PK-0001-1", "source": "/jiangmen/parking/lots/JM-PK-0001",
            "type": "city.parking.occupancy", "time": NOW.isoformat(),
            "data": {"lot_id": "JM-PK-0001", "capacity": 200, "free": 12,
                     "location": {"lon": 113.08, "lat": 22.58, "crs": "gcj02"}}}


@st.composite
def mutated_events(draw: st.DrawFn) -> bytes:
    """A valid parking event with some of its attributes or data replaced: near misses reach deep checks."""
    event = parking_event()
    event["id"] = draw(st.text(min_size=1, max_size=12) | st.sampled_from(["a", "b", "JM-PK-0001-1"]))
    for key in draw(st.lists(st.sampled_from(["specversion", "id", "source", "type", "time", "data"]), max_size=3)):
        event[key] = draw(json_values | times)
    if isinstance(event.get("data"), dict):
        for key in draw(st.lists(st.sampled_from(["lot_id", "capacity", "free", "occupancy", "name"]), max_size=2)):
            event["data"][key] = draw(json_values)
        if draw(st.booleans()):
            event["data"]["location"] = {"lon": draw(coordinates), "lat": draw(coordinates),
                                         "crs": draw(st.sampled_from(["wgs84", "gcj02", "bd09", "utm"]))}
    if draw(st.booleans()):
        event["time"] = draw(times)
    return dumps(event)


payloads = st.one_of(st.binary(max_size=300), json_values.map(dumps), mutated_events())


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    store = open_store(f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'hub.sqlite'}")
    yield Pipeline(store, load_city(), load_registry(), Limits())
    store.close()


@FUZZ
@given(st.binary(max_size=2000), TOPICS)
def test_decode_never_raises_on_arbitrary_bytes(payload: bytes, topic: str) -> None:
    result = decode(Message(payload, topic, "mqtt"), Limits())
    assert isinstance(result, Event | DeadLetter)
    if isinstance(result, DeadLetter):
        assert result.reason and result.raw == payload


@FUZZ
@given(json_values, TOPICS)
def test_decode_never_raises_on_arbitrary_json(value: Any, topic: str) -> None:
    result = decode(Message(dumps(value), topic, "mqtt"), Limits())
    assert isinstance(result, DeadLetter) and result.reason


@FUZZ
@given(mutated_events(), TOPICS)
def test_decode_of_near_miss_events_never_raises(payload: bytes, topic: str) -> None:
    result = decode(Message(payload, topic, "mqtt"), Limits())
    if isinstance(result, Event):
        assert result.ce["source"].split("/")[3] == topic.split("/")[2]
        assert math.isfinite(datetime.fromisoformat(result.ce["time"].replace("Z", "+00:00")).timestamp())
    else:
        assert result.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(payloads, TOPICS), min_size=1, max_size=20))
def test_pipeline_accounts_for_every_message_in_a_real_store(pipeline: Pipeline, batch: list[tuple[bytes, str]]) \
        -> None:
    before = pipeline.store.counts()
    messages = [Message(payload, topic, "mqtt", received_at=time.time()) for payload, topic in batch]
    outcome = pipeline.process(copy.copy(messages))
    after = pipeline.store.counts()
    assert outcome.stored + outcome.duplicates + outcome.dead == len(batch)
    assert after["events"] - before["events"] == outcome.stored
    assert after["deadletters"] - before["deadletters"] == outcome.dead
    for letter in pipeline.store.deadletters(outcome.dead).items if outcome.dead else []:
        assert letter["reason"] and not letter["reason"].startswith("internal error"), letter["reason"]
