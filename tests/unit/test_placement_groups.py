"""Placement by groups (a datum, an address text, a device placed once per batch) gives every event what
placing it alone, with nothing remembered, gives."""

from __future__ import annotations

import re

import pytest

from bench.load import build_load
from hub.events import Event, Message
from hub.geo import load_city
from hub.pipeline import placement
from hub.pipeline.decode import Limits, decode_batch
from hub.registry import load_registry


def generated(count: int) -> list[Message]:
    load = build_load(count, seed=7, address_share=0.3, device_share=0.3)
    items = load.items + load.items[: count // 4]  # repeats: the same texts, devices and points again
    return [Message(payload, topic, "mqtt") for topic, _, payload in items]


def decoded(messages: list[Message]) -> list[Event]:
    events, dead = decode_batch(messages, Limits())
    assert not dead, dead[:3]
    return events


@pytest.fixture(scope="module")
def messages() -> list[Message]:
    return generated(600)


def test_a_batch_placed_by_groups_is_placed_as_each_event_alone(messages: list[Message]) -> None:
    city, registry = load_city(), load_registry()
    placement._geocoded_known.pop(city, None)
    placed, outside = placement.place(decoded(messages), city, registry)
    together = {e.key: e.hub.model_dump() for e in placed if e.hub}
    reasons = sorted(d.reason for d in outside)
    alone: dict[tuple[str, str], object] = {}
    alone_reasons = []
    for message in messages:
        placement._geocoded_known.pop(city, None)  # the plain path: every text geocoded afresh
        one, out = placement.place(decoded([message]), city, registry)
        alone |= {e.key: e.hub.model_dump() for e in one if e.hub}
        alone_reasons += [d.reason for d in out]
    assert together == alone
    assert reasons == sorted(alone_reasons)
    methods = {hub["location_method"] for hub in together.values()}  # type: ignore[index]
    assert {"coordinates", "address", "device"} <= methods


def test_texts_and_devices_place_as_the_geocoder_and_the_registry_say(messages: list[Message]) -> None:
    city, registry = load_city(), load_registry()
    events = decoded(messages)
    placed, _ = placement.place(events, city, registry)
    checked = 0
    for event in placed:
        hub, location = event.hub, event.ce["data"].get("location") or {}
        assert hub is not None
        row = city.locate(hub.lon, hub.lat) if hub.lon is not None and hub.lat is not None else None
        assert row is not None or hub.location_method == "none"
        assert row is None or (hub.grid_code, hub.community_code, hub.town_code, hub.district_code) == tuple(
            row[f] or None for f in ("grid_code", "community_code", "town_code", "district_code"))
        assert row is None or (hub.community_name, hub.town_name, hub.district_name) == tuple(
            row[f] or None for f in ("community_name", "town_name", "district_name"))
        if "lon" in location:
            continue
        if "address" in location:
            found = city.geocode(location["address"])
            if found["matched"]:
                assert (hub.lon, hub.lat, hub.location_method, hub.standard_address_id, hub.standard_address,
                        hub.geocode_confidence) == (found["lon"], found["lat"], "address", found["address_id"],
                                                    found["text"], found["confidence"])
            else:
                assert hub.lon is None and hub.location_method == "none"
        else:
            device = registry.get(event.device_id)
            assert device is not None
            assert (hub.lon, hub.lat, hub.location_method) == (device["lon"], device["lat"], "device")
            if device.get("address_id"):
                assert (hub.standard_address_id, hub.standard_address) == (device["address_id"], device["address"])
        checked += 1
    assert checked > len(placed) // 4


def test_a_remembered_geocoding_is_the_geocoders_answer() -> None:
    city = load_city()
    unmatched = ["蓬江区不存在路1号", "", "江门市蓬江区", "白沙大道西2号之一"]
    texts = [r["text"] for r in city.addresses(limit=40)] + unmatched
    for _ in range(2):  # looked up, then remembered
        for text in texts:
            found = city.geocode(text)
            expected = ((found["lon"], found["lat"], found["address_id"], found["text"], found["confidence"])
                        if found["matched"] else None)
            assert placement.geocoded(city, text) == expected, text
    assert any(placement.geocoded(city, t) for t in texts) and not placement.geocoded(city, "")


def test_an_address_that_is_not_text_fails_as_the_geocoder_fails_on_it(messages: list[Message]) -> None:
    city, registry = load_city(), load_registry()
    event = decoded(messages[:1])[0]
    event.ce["data"]["location"] = {"address": ["白沙大道", "2号"]}
    with pytest.raises(Exception) as geocoding:
        city.geocode(["白沙大道", "2号"])  # type: ignore[arg-type]
    with pytest.raises(type(geocoding.value), match=re.escape(str(geocoding.value))):
        placement.place([event], city, registry)
