"""A map/API instance (`CITYHUB_LIVE_FROM_KAFKA`): it ingests nothing, serves the store the workers
write (one PostGIS), and its live map follows `city.events.normalized` that the workers republish."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from bench.hubproc import HubProcess
from bench.live import LiveClient
from bench.load import build_load
from bench.run import create_topic
from hub.transports.kafka.feed import item_of
from hub.transports.kafka.publisher import KafkaPublisher
from tests.support import wait_for
from tests.transport.brokers import Tansu

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_item_of_rebuilds_the_map_item_and_refuses_what_is_not_a_normalized_event() -> None:
    body = {"specversion": "1.0", "id": "e1", "source": "/jiangmen/parking/lots/JM-PK-0001",
            "type": "city.parking.occupancy", "time": "2026-11-26T10:00:00+08:00",
            "data": {"lot_id": "JM-PK-0001", "free": 3, "location": {"lon": 113.08, "lat": 22.58}},
            "hub": {"uid": "u1", "received_at": 1.0, "lon": 113.07, "lat": 22.58, "district_code": "440703",
                    "severity": 1, "alarms": ["x"]}}
    item = item_of(body)
    assert item is not None
    assert (item["uid"], item["id"], item["domain"], item["district_code"], item["alarms"], item["received_at"]) == (
        "u1", "e1", "parking", "440703", ["x"], 1.0)
    assert "location" not in item["data"] and item["data"]["free"] == 3
    assert item_of({"id": "x"}) is None and item_of(body | {"hub": None}) is None


def test_map_instance_shows_the_workers_events_live_and_serves_their_store(
        tansu: Tansu, shared_postgis: str, tmp_path: Path) -> None:
    create_topic(tansu.bootstrap, 6)
    worker = HubProcess(tmp_path / "worker", kafka=tansu.bootstrap, db=shared_postgis, name="worker")
    instance = HubProcess(tmp_path / "map", db=shared_postgis, name="map",
                          env={"CITYHUB_LIVE_FROM_KAFKA": tansu.bootstrap})
    try:
        worker.start()
        instance.start()
        assert "kafka" not in instance.health()["transports"]  # type: ignore[operator]
        wait_for(lambda: instance.health()["transports"]["map_feed"]["connected"], timeout=60,  # type: ignore[index]
                 what="the map feed to follow the normalized topic")
        live = LiveClient(instance.url)
        live.start()
        tag = f"map{int(time.time())}"
        load = build_load(300, run_tag=tag)
        publisher = KafkaPublisher(tansu.bootstrap, client_id="map-test")
        for topic, key, payload in load.items:
            publisher.publish_raw(topic, payload, key=key)
        publisher.close()
        wait_for(lambda: worker.totals()["stored"] + worker.totals()["dead"] == len(load), timeout=120,
                 what="the worker to store the events")
        stored = worker.totals()["stored"]
        wait_for(lambda: live.arrived(load.keys) == stored, timeout=60, what="the events on the instance's map")
        live.stop()
        assert instance.totals()["stored"] == 0  # it stored nothing itself
        page = httpx.get(instance.url + "/api/events", params={"limit": 10}, timeout=10).json()
        assert len(page["features"]) == 10  # the workers' store, served by the instance
        assert instance.health()["transports"]["map_feed"]["shown"] >= stored  # type: ignore[index]
    finally:
        instance.stop()
        worker.stop()


def test_a_map_feed_that_falls_behind_skips_to_the_newest(tansu: Tansu) -> None:
    """The map sheds what is stale instead of queueing it: past max_lag records behind, it jumps."""
    import orjson
    from kafka import KafkaProducer

    from hub.live import LiveStream
    from hub.transports.kafka.feed import NormalizedFeed
    from hub.transports.kafka.republish import NORMALIZED

    create_topic(tansu.bootstrap, 1)
    producer = KafkaProducer(bootstrap_servers=tansu.bootstrap)
    producer.send(NORMALIZED, b"not json")  # the topic exists (and a bad record is counted, not fatal)
    producer.flush()
    feed = NormalizedFeed(LiveStream(), tansu.bootstrap, max_lag=10)
    feed.start()
    try:
        wait_for(lambda: feed.connected, timeout=60, what="the feed to follow the topic")
        body = {"specversion": "1.0", "id": "e", "source": "/jiangmen/parking/lots/P1",
                "type": "city.parking.occupancy", "time": "2026-11-26T10:00:00+08:00", "data": {},
                "hub": {"uid": "u", "received_at": 1.0}}
        for n in range(5000):  # a burst far past max_lag
            producer.send(NORMALIZED, orjson.dumps(body | {"id": f"e{n}"}))
        producer.flush()
        wait_for(lambda: feed.shown + feed.skipped >= 5000, timeout=60, what="the burst read or skipped")
        assert feed.skipped > 0 and feed.shown < 5000
    finally:
        feed.stop()
        producer.close()
