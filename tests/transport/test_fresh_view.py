"""The fresh view (hub/transports/fresh_view.py) against a real Mosquitto and a real Kafka-protocol broker (tansu),
with a hub whose store is slowed down:
behind a backlog the map gets the newest events as previews while the store lane's old ones are held
back, every event is still stored exactly once, and the map follows the store lane again once it has
caught up."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.events import DeadLetter, Event
from hub.live import Client as LiveClient
from hub.runtime import Hub
from hub.settings import Settings
from hub.transports import fresh_view
from hub.transports.base import Publisher
from hub.transports.kafka.publisher import KafkaPublisher
from hub.transports.mqtt.glance import MqttGlance
from hub.transports.mqtt.publisher import MqttPublisher
from tests.support import wait_for
from tests.transport.brokers import Mosquitto, Tansu
from tests.transport.events import TOPIC, batch


class Map:
    """The live stream's items as a map client would get them, with the time each came."""

    def __init__(self, hub: Hub) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        hub.live.bind(self.loop)
        self.client = LiveClient(1_000_000)
        hub.live.clients.add(self.client)
        self.items: dict[str, dict[str, Any]] = {}  # by CloudEvents id: the first time it was shown
        self.came: dict[str, float] = {}

    def read(self) -> dict[str, dict[str, Any]]:
        text, count = self.client.frame()
        now = time.monotonic()
        for item in orjson.loads(text)["items"] if count else ():
            if item["kind"] == "event" and item["id"] not in self.items:
                self.items[item["id"]], self.came[item["id"]] = item, now
        return self.items

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def slowed(hub: Hub) -> threading.Event:
    """Slow the hub's store down while the returned event is set (it is, to begin with)."""
    write = hub.store.write
    slow = threading.Event()
    slow.set()

    def slow_write(events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        if slow.is_set():
            time.sleep(0.05)  # a store that takes a batch of at most 100 every 50 ms: ≤ 2,000 events/s
        return write(events, dead)

    hub.store.write = slow_write  # type: ignore[method-assign]
    return slow


def newest_come_as_previews(publisher: Publisher, the_map: Map,
                            where: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Publish 50 new events; they must reach the map as previews within 1.5 s. Them, and what the map shows."""
    new = batch("new", 50)
    sent_at = time.monotonic()
    publisher.publish(TOPIC, new)
    publisher.flush()
    wait_for(lambda: all(ce["id"] in the_map.read() for ce in new), timeout=10,
             what=f"the newest events on {where} while the store works through the backlog")
    shown = the_map.read()
    assert all(shown[ce["id"]].get("preview") is True for ce in new)
    assert max(the_map.came[ce["id"]] for ce in new) - sent_at < 1.5
    return new, shown


def stored_ones_come_again(publisher: Publisher, the_map: Map, where: str) -> list[dict[str, Any]]:
    """Publish 20 events once the view has closed: they must reach the map from the store lane, not as previews."""
    after = batch("after", 20)
    publisher.publish(TOPIC, after)
    publisher.flush()
    wait_for(lambda: all(ce["id"] in the_map.read() for ce in after), timeout=15, what=where)
    assert all("preview" not in the_map.items[ce["id"]] for ce in after)
    return after


@pytest.fixture(params=["mqtt", "kafka"])
def transport(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(name, the hub's settings for it, a function making a publisher)."""
    if request.param == "mqtt":
        mosquitto: Mosquitto = request.getfixturevalue("mosquitto")
        url = mosquitto.url
        yield "MQTT", {"mqtt": url, "mqtt_client_id": "fresh-view-test"}, \
            lambda: MqttPublisher(url, "fresh-pub", v5=True)
    else:
        tansu: Tansu = request.getfixturevalue("tansu")
        bootstrap = tansu.bootstrap
        yield "Kafka", {"kafka": bootstrap}, \
            lambda: KafkaPublisher(bootstrap, client_id="fresh-pub")


@pytest.fixture
def slow_hub(transport: tuple[str, dict[str, Any], Any], tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Hub, Map]]:
    # the broker has up to its Receive Maximum (1,000) out to the hub at once: well under that opens the view
    monkeypatch.setattr(fresh_view, "ON_BACKLOG", 300)
    monkeypatch.setattr(fresh_view, "OFF_BACKLOG", 50)
    monkeypatch.setattr(fresh_view, "OFF_AFTER_S", 0.5)
    name, settings, _ = transport
    hub = Hub(Settings.model_validate({"data_dir": tmp_path} | settings))
    hub.slow = slowed(hub)  # type: ignore[attr-defined]
    ingest = hub.ingests[name.lower()]
    ingest.worker.max_batch = 100
    the_map = Map(hub)
    hub.start()
    if name == "MQTT":
        wait_for(ingest.connected.is_set, what="the hub's MQTT session")
    else:
        wait_for(lambda: ingest.connected and len(ingest.assignment) > 0, timeout=60,
                 what="the hub's Kafka partitions")
    try:
        yield hub, the_map
    finally:
        hub.stop()
        the_map.close()


def test_behind_a_backlog_the_map_shows_the_newest_and_the_store_keeps_every_event(
        transport: tuple[str, dict[str, Any], Any], slow_hub: tuple[Hub, Map]) -> None:
    hub, the_map = slow_hub
    name, _, make_publisher = transport
    view: fresh_view.FreshView = hub.ingests[f"{name.lower()}_fresh"]  # type: ignore[assignment]
    publisher: Publisher = make_publisher()
    try:
        old = batch("old", 6000)
        publisher.publish(TOPIC, old)  # three seconds of the slowed store's work, published at once
        publisher.flush()
        wait_for(lambda: view.open, timeout=10, every=0.01, what="the fresh view to open behind the backlog")
        stored_at_open = hub.pipeline.totals.stored
        assert hub.live.holding == {name}
        glance = view._glance
        if isinstance(glance, MqttGlance):
            wait_for(glance.client.is_connected, timeout=10, what="the fresh view's session")
        time.sleep(0.5)  # its subscription, or its consumer placed at the partitions' ends
        new, shown = newest_come_as_previews(publisher, the_map, "the map")
        stored_meanwhile = hub.pipeline.totals.stored
        assert stored_meanwhile < len(old), "the store should still be behind when the newest are shown"
        # old events still being published when the view opened may be previews; from the store lane, only
        # those stored before it opened (and the batch under way) may have been shown
        old_shown = sum(1 for ce in old if ce["id"] in shown and not shown[ce["id"]].get("preview"))
        assert view.opened == 1, "the view closed while the store was still behind"
        assert old_shown <= stored_at_open + 100, f"the store lane's old events were shown ({stored_meanwhile} stored)"
        hub.slow.clear()  # type: ignore[attr-defined]  # the store catches up
        wait_for(lambda: hub.pipeline.totals.stored == len(old) + len(new), timeout=60, what="every event stored")
        wait_for(lambda: not view.open, timeout=10, what="the view to close once the store has caught up")
        assert not hub.live.holding and hub.live.held_back > 0
        status: dict[str, Any] = view.status()
        assert status["opened"] == 1 and status["shown"] >= len(new)
        assert status["shown"] + status["skipped"] <= len(old) + len(new)

        after = stored_ones_come_again(publisher, the_map, "the store lane's events on the map again")
    finally:
        publisher.close()
    totals = hub.pipeline.totals
    assert (totals.stored, totals.duplicates, totals.dead) == (len(old) + len(new) + len(after), 0, 0)
    assert hub.store.counts()["events"] == len(old) + len(new) + len(after)


def test_a_map_instance_behind_slow_workers_shows_the_newest_raw_events(
        tansu: Tansu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A map/API instance follows `city.events.normalized`, which a worker writes only once it has stored an
    event: behind a backlog its fresh view opens on the workers' lag that the broker reports, and shows the
    newest events of `city.events` as previews while what the worker republishes (old) is held back."""
    from bench.run import create_topic

    monkeypatch.setattr(fresh_view, "ON_BACKLOG", 300)
    monkeypatch.setattr(fresh_view, "OFF_BACKLOG", 50)
    monkeypatch.setattr(fresh_view, "OFF_AFTER_S", 0.5)
    create_topic(tansu.bootstrap, 2)
    worker = Hub(Settings(data_dir=tmp_path / "worker", kafka=tansu.bootstrap, fresh_view=False))
    slow = slowed(worker)
    ingest = worker.ingests["kafka"]
    ingest.worker.max_batch = 100
    instance = Hub(Settings(data_dir=tmp_path / "map", live_from_kafka=tansu.bootstrap))
    assert "kafka" not in instance.ingests
    view: fresh_view.FreshView = instance.ingests["map_fresh"]
    the_map = Map(instance)
    publisher = KafkaPublisher(tansu.bootstrap, client_id="fresh-pub")
    worker.start()
    instance.start()
    try:
        wait_for(lambda: ingest.connected and len(ingest.assignment) == 2, timeout=60,
                 what="the worker's Kafka partitions")
        wait_for(lambda: instance.ingests["map_feed"].connected, timeout=60,
                 what="the instance's feed of the normalized topic")
        old = batch("old", 6000)
        publisher.publish(TOPIC, old)
        publisher.flush()
        wait_for(lambda: view.open, timeout=15, every=0.01, what="the instance's fresh view behind the workers")
        stored_at_open = worker.pipeline.totals.stored
        assert instance.live.holding == {"map"} and view.status()["backlog"] >= 300
        time.sleep(0.5)  # its consumer placed at the partitions' ends
        new, shown = newest_come_as_previews(publisher, the_map, "the instance's map")
        assert worker.pipeline.totals.stored < len(old), "the worker should still be behind"
        old_shown = sum(1 for ce in old if ce["id"] in shown and not shown[ce["id"]].get("preview"))
        assert view.opened == 1, "the view closed while the worker was still behind"
        assert old_shown <= stored_at_open + 200, "what the worker republished late was shown"
        slow.clear()  # the worker catches up
        wait_for(lambda: worker.pipeline.totals.stored == len(old) + len(new), timeout=60, what="every event stored")
        wait_for(lambda: not view.open, timeout=15, what="the view to close once the worker has caught up")
        assert not instance.live.holding and instance.live.held_back > 0

        after = stored_ones_come_again(publisher, the_map, "what the worker republishes on the instance's map again")
    finally:
        publisher.close()
        instance.stop()
        worker.stop()
        the_map.close()
    assert (worker.pipeline.totals.stored, worker.pipeline.totals.duplicates) == (len(old) + len(new) + len(after), 0)
    assert instance.pipeline.totals.stored == 0  # the instance stores nothing itself


def test_the_workers_lag_is_what_the_group_has_not_committed_and_unknown_is_zero(tansu: Tansu) -> None:
    """hub.transports.kafka.lag against a real broker: end offsets minus the group's committed offsets; nothing
    committed yet (or a misnamed group), or the broker gone, reads as no backlog, with the reason kept."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    from bench.run import create_topic
    from hub.transports.kafka.lag import WorkersLag

    create_topic(tansu.bootstrap, 2)
    producer = KafkaProducer(bootstrap_servers=tansu.bootstrap, linger_ms=0)
    for n in range(40):  # one record a request: tansu's end offsets are exact then (see the module)
        producer.send("city.events", b"x", partition=n % 2).get(10)
    producer.close()
    lag = WorkersLag({"bootstrap_servers": [tansu.bootstrap]}, "city.events", "cityhub", refresh_s=0)
    try:
        assert lag() == 0 and "committed no offsets" in (lag.error or "")
        group = KafkaConsumer(bootstrap_servers=tansu.bootstrap, group_id="cityhub", enable_auto_commit=False)
        group.commit({TopicPartition("city.events", 0): OffsetAndMetadata(15, "", -1)})
        group.close(autocommit=False)
        assert lag() == (20 - 15) + 20 and lag.error is None  # partition 1: nothing committed, all of it waits
        tansu.stop()
        assert lag() == 0 and lag.error
    finally:
        lag.close()
