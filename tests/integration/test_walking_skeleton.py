"""A real event from the parking simulator, through the embedded broker and the hub, to the API and
the live stream; and a malformed one to the dead letters, with the hub still running."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import orjson
import pytest
import websockets

from adapters.parking import ADAPTER
from hub.transports.mqtt.publisher import MqttPublisher
from simulators.parking import SIMULATOR
from tests.support import RunningHub, wait_for

pytestmark = pytest.mark.integration


def parking_events(count: int, seed: int = 7) -> list[dict[str, object]]:
    stream = SIMULATOR.messages(random.Random(seed), datetime.now(UTC), 50.0)
    events: list[dict[str, object]] = []
    while len(events) < count:
        events += ADAPTER.adapt(next(stream)[1])
    return events


def stored(hub: RunningHub) -> int:
    return int(hub.get("/healthz").json()["store"]["events"])


def test_parking_events_reach_the_api_on_their_district(hub_on_embedded: RunningHub) -> None:
    events = parking_events(60)
    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "test-parking")
    publisher.publish(ADAPTER.topic, events)
    publisher.close()
    wait_for(lambda: stored(hub_on_embedded) == 60, what="60 stored events")

    page = hub_on_embedded.get("/api/events", domain="parking", limit=50).json()
    assert page["type"] == "FeatureCollection" and len(page["features"]) == 50
    assert page["links"][0]["rel"] == "next"
    rest = hub_on_embedded.get(page["links"][0]["href"].removeprefix(hub_on_embedded.url)).json()
    assert len(rest["features"]) == 10 and rest["links"] == []
    feature = page["features"][0]
    hub = feature["properties"]["hub"]
    assert hub["district_code"] in {"440703", "440704", "440705"}
    assert hub["department"] and hub["location_method"] == "coordinates" and hub["crs_in"] == "gcj02"
    assert feature["geometry"]["type"] == "Point"
    one = hub_on_embedded.get(f"/api/events/{feature['id']}").json()
    assert orjson.loads(__import__("base64").b64decode(one["raw"]))["id"] == feature["properties"]["id"]


def test_redelivered_events_are_stored_once(hub_on_embedded: RunningHub) -> None:
    events = parking_events(20)
    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "test-dup")
    publisher.publish(ADAPTER.topic, events + events[:10])
    publisher.close()
    wait_for(lambda: hub_on_embedded.get("/healthz").json()["totals"]["duplicates"] == 10, what="10 duplicates")
    assert stored(hub_on_embedded) == 20


def test_malformed_message_goes_to_dead_letters_and_hub_keeps_running(hub_on_embedded: RunningHub) -> None:
    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "test-bad")
    publisher.publish_raw("city/parking/x", b'{"specversion": "1.0", "id": 42')
    publisher.publish(ADAPTER.topic, parking_events(5))
    publisher.close()
    wait_for(lambda: hub_on_embedded.get("/api/deadletters").json()["items"] != [], what="a dead letter")
    letter = hub_on_embedded.get("/api/deadletters").json()["items"][0]
    assert letter["reason"].startswith("invalid JSON") and letter["topic"] == "city/parking/x"
    assert letter["transport"] == "mqtt"
    wait_for(lambda: stored(hub_on_embedded) == 5, what="the good events after the bad one")


def test_live_stream_pushes_events(hub_on_embedded: RunningHub) -> None:
    async def listen() -> list[dict[str, object]]:
        url = hub_on_embedded.url.replace("http", "ws") + "/ws/live"
        async with websockets.connect(url) as ws:
            assert orjson.loads(await ws.recv())["kind"] == "hello"
            publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "test-live")
            await asyncio.to_thread(publisher.publish, ADAPTER.topic, parking_events(10))
            await asyncio.to_thread(publisher.close)
            items: list[dict[str, object]] = []
            while len(items) < 10:
                message = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
                items += message["items"]
            return items

    items = asyncio.run(listen())
    assert {i["kind"] for i in items} == {"event"}
    assert all(i["district_code"] and i["lon"] for i in items)
