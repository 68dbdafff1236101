"""The first step of the pipeline: every kind of bad message is refused with a clear reason."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from hub.events import DeadLetter, Event, Message
from hub.pipeline.decode import Limits, decode, decode_batch

NOW = time.time()


def parking_event(**changes: object) -> dict[str, object]:
    event: dict[str, object] = {
        "specversion": "1.0", "id": "JM-PK-0001-1", "source": "/jiangmen/parking/lots/JM-PK-0001",
        "type": "city.parking.occupancy", "time": datetime.fromtimestamp(NOW, UTC).isoformat(),
        "data": {"lot_id": "JM-PK-0001", "capacity": 200, "free": 12,
                 "location": {"lon": 113.08, "lat": 22.58, "crs": "gcj02"}},
    }
    event.update(changes)
    return event


def run(payload: bytes, topic: str = "city/parking/lots", transport: str = "mqtt",
        headers: tuple[tuple[str, bytes], ...] = ()) -> Event | DeadLetter:
    return decode(Message(payload, topic, transport, headers=headers, received_at=NOW), Limits(max_bytes=4096))


def reason(payload: bytes, **kwargs: object) -> str:
    result = run(payload, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, DeadLetter), f"accepted: {result}"
    assert result.raw == payload
    return result.reason


def test_a_good_event_is_accepted_with_defaults_filled() -> None:
    result = run(orjson.dumps(parking_event()))
    assert isinstance(result, Event)
    assert result.key == ("/jiangmen/parking/lots/JM-PK-0001", "JM-PK-0001-1")
    assert result.domain == "parking" and result.device_id == "JM-PK-0001"


def test_location_crs_defaults_to_wgs84() -> None:
    data = {"lot_id": "A", "capacity": 1, "free": 0, "location": {"lon": 113.0, "lat": 22.5}}
    result = run(orjson.dumps(parking_event(data=data)))
    assert isinstance(result, Event) and result.ce["data"]["location"]["crs"] == "wgs84"


@pytest.mark.parametrize(("payload", "expected"), [
    (b'{"specversion": "1.0", "id": ', "invalid JSON"),
    (b'\xff\xfe{"a": 1}', "invalid JSON"),
    (b'{"x": NaN}', "invalid JSON"),
    (b"[1, 2, 3]", "expected object"),
    (b'"just text"', "expected object"),
])
def test_unparseable_messages(payload: bytes, expected: str) -> None:
    assert expected in reason(payload)


def test_oversize_is_refused_before_parsing() -> None:
    assert reason(b"{" + b" " * 5000 + b"}").startswith("oversize: 5002 bytes")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"specversion": "0.3"}, "envelope"),
    ({"id": ""}, "envelope"),
    ({"time": "yesterday"}, "envelope"),
    ({"source": "parking lot 1"}, "envelope"),
    ({"type": "city.unknown.thing"}, "unknown event type 'city.unknown.thing'"),
    ({"data": {"lot_id": "A", "capacity": "lots", "free": 1}}, "schema city.parking.occupancy"),
    ({"data": {"lot_id": "A", "capacity": 5, "free": 1, "location": {"lon": 113.0}}}, "schema city.parking.occupancy"),
    ({"data": {"lot_id": "A", "capacity": 5, "free": 1, "location": {"lon": 913.0, "lat": 22.0}}},
     "schema city.parking.occupancy"),
])
def test_envelope_and_schema_violations(changes: dict[str, object], expected: str) -> None:
    assert expected in reason(orjson.dumps(parking_event(**changes)))


def test_missing_attribute_is_named() -> None:
    event = parking_event()
    del event["source"]
    assert "source" in reason(orjson.dumps(event))


def test_a_source_may_only_publish_as_itself() -> None:
    payload = orjson.dumps(parking_event())
    assert "does not match topic city/parking/other" in reason(payload, topic="city/parking/other")
    assert "does not match topic city/water/lots" in reason(payload, topic="city/water/lots")
    assert "is not city/<domain>/<source-id>" in reason(payload, topic="parking/lots")
    spoofed = orjson.dumps(parking_event(source="/jiangmen/fire/lots/JM-PK-0001"))
    assert "is not of domain 'parking'" in reason(spoofed)


@pytest.mark.parametrize(("shift", "expected"), [
    (timedelta(hours=2), "in the future"),
    (timedelta(days=-90), "days in the past"),
])
def test_times_far_away_are_refused(shift: timedelta, expected: str) -> None:
    when = (datetime.fromtimestamp(NOW, UTC) + shift).isoformat()
    assert expected in reason(orjson.dumps(parking_event(time=when)))


def test_a_remembered_origin_still_must_match_each_topic() -> None:
    payload = orjson.dumps(parking_event())
    assert isinstance(run(payload), Event) and isinstance(run(payload), Event)
    assert "does not match topic city/parking/other" in reason(payload, topic="city/parking/other")
    assert isinstance(run(payload, topic="city/parking/JM-PK-0001", transport="kafka"), Event)


def test_a_remembered_time_is_still_checked_against_each_arrival() -> None:
    when = datetime.fromtimestamp(NOW, UTC).isoformat()
    payload = orjson.dumps(parking_event(time=when))
    assert isinstance(run(payload), Event)
    later = Message(payload, "city/parking/lots", "mqtt", received_at=NOW + 40 * 86400)
    late = decode(later, Limits(max_bytes=4096))
    assert isinstance(late, DeadLetter) and late.reason == f"time {when} is 40.0 days in the past"
    earlier = decode(Message(payload, "city/parking/lots", "mqtt", received_at=NOW - 3600), Limits(max_bytes=4096))
    assert isinstance(earlier, DeadLetter) and earlier.reason == f"time {when} is 3600 s in the future"


def test_a_refused_time_stays_refused() -> None:
    payload = orjson.dumps(parking_event(time="2024-02-29T23:59:60Z"))  # a leap second: the schema takes it
    assert reason(payload) == reason(payload) == "time '2024-02-29T23:59:60Z' is not RFC 3339"


def test_binary_mode_kafka_headers() -> None:
    event = parking_event()
    headers = tuple((f"ce_{k}", str(event[k]).encode()) for k in ("specversion", "id", "source", "type", "time"))
    result = run(orjson.dumps(event["data"]), topic="city.events", transport="kafka", headers=headers)
    assert isinstance(result, Event) and result.ce["id"] == "JM-PK-0001-1"


def test_binary_mode_mqtt5_user_properties_must_match_topic() -> None:
    event = parking_event()
    headers = tuple((k, str(event[k]).encode()) for k in ("specversion", "id", "source", "type", "time"))
    assert isinstance(run(orjson.dumps(event["data"]), headers=headers), Event)
    assert "does not match topic" in reason(orjson.dumps(event["data"]), topic="city/parking/x", headers=headers)


def test_the_normalized_json_is_the_normalized_event() -> None:
    """The store and the republish take `normalized_json`, encoded from the hub block's dataclass itself:
    the same JSON as `normalized()`, field for field, lists and all."""
    from hub.events import HubBlock

    event = run(orjson.dumps(parking_event()))
    assert isinstance(event, Event)
    event.hub = HubBlock(uid="u1", received_at=NOW, lon=113.08, lat=22.58, location_method="coordinates",
                         grid_code="440703001001001", district_code="440703", severity=2, department="市城管局",
                         plan_items=["智慧停车"], alarms=["full"])
    assert orjson.loads(event.normalized_json()) == orjson.loads(orjson.dumps(event.normalized()))
    assert list(orjson.loads(event.normalized_json())["hub"]) == list(event.normalized()["hub"])
    assert event.epoch == datetime.fromisoformat(str(event.ce["time"])).timestamp()


def test_a_batch_is_decoded_message_by_message_in_order() -> None:
    good = [orjson.dumps(parking_event(id=f"JM-PK-0001-{n}")) for n in range(4)]
    bad = [b"{", orjson.dumps(parking_event(source="/jiangmen/water/lots/JM-PK-0001")),
           orjson.dumps(parking_event(type="city.parking.nope")), orjson.dumps(parking_event(time="yesterday"))]
    payloads = [p for pair in zip(good, bad, strict=True) for p in pair]
    batch = [Message(p, "city/parking/lots", "mqtt", received_at=NOW) for p in payloads]
    events, dead = decode_batch(batch, Limits(max_bytes=4096))
    one_by_one = [decode(m, Limits(max_bytes=4096)) for m in batch]
    assert [e.ce for e in events] == [r.ce for r in one_by_one if isinstance(r, Event)]
    assert [e.message.payload for e in events] == good
    assert [(d.raw, d.reason) for d in dead] == [(r.raw, r.reason) for r in one_by_one if isinstance(r, DeadLetter)]
    assert [d.raw for d in dead] == bad and all(d.reason for d in dead)


def test_the_remembered_times_and_origins_start_again_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    import hub.pipeline.decode as module

    monkeypatch.setattr(module, "KNOWN_TIMES", 2)
    monkeypatch.setattr(module, "KNOWN_ORIGINS", 2)
    monkeypatch.setattr(module, "_SECONDS", {})
    monkeypatch.setattr(module, "_PASSED_ORIGINS", set())
    for seconds in range(5):
        when = datetime.fromtimestamp(NOW - seconds, UTC).isoformat()
        source = f"/jiangmen/parking/lots/JM-PK-000{seconds}"
        result = run(orjson.dumps(parking_event(time=when, source=source)))
        assert isinstance(result, Event) and result.epoch == pytest.approx(NOW - seconds, abs=1e-3)
        assert len(module._SECONDS) <= 2 and len(module._PASSED_ORIGINS) <= 2
