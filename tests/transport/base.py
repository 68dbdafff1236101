"""One transport suite, every bus: each test module subclasses `TransportSuite` and provides `bus`.

What is held the same on MQTT (Mosquitto, embedded amqtt) and Kafka (tansu): events are stored
exactly once, bad ones become dead letters with their origin, a redelivery changes nothing,
both CloudEvents modes are read, the hub republishes, and neither a SIGKILLed hub nor a broker
restart loses or doubles anything the bus itself kept.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.settings import Settings
from hub.transports.kafka.publisher import KafkaPublisher
from tests.support import RunningHub, running_hub, wait_for
from tests.transport.buses import Bus, Publisher
from tests.transport.checks import (
    assert_exactly_once,
    await_ready,
    await_stored,
    db_of,
    ingest_of,
    publish_paced,
    reconnections,
)
from tests.transport.events import TOPIC, batch, occupancy, sdk_structured
from tests.transport.hubproc import HubProcess

pytestmark = pytest.mark.integration


class TransportSuite:
    @pytest.fixture
    def bus(self) -> Bus:
        raise NotImplementedError("a transport test module provides the bus")

    @pytest.fixture
    def settings(self, bus: Bus, tmp_path: Path) -> Settings:
        return bus.hub_settings(tmp_path)

    @pytest.fixture
    def hub(self, bus: Bus, settings: Settings) -> Iterator[RunningHub]:
        with running_hub(settings) as running:
            yield running

    @pytest.fixture
    def publisher(self, bus: Bus, hub: RunningHub, request: pytest.FixtureRequest) -> Iterator[Publisher]:
        publisher = bus.publisher(f"pub-{request.node.name[:40]}")
        await_ready(bus, publisher, db_of(hub), "hub")
        yield publisher
        publisher.close()

    def test_events_are_stored_exactly_once(self, hub: RunningHub, publisher: Publisher) -> None:
        sent = batch("once", 1000)
        publisher.publish(TOPIC, sent)
        publisher.publish(TOPIC, sent[:200])  # a source that sends twice
        publisher.flush()
        await_stored(db_of(hub), "once", 1000)
        wait_for(lambda: hub.hub.pipeline.totals.duplicates >= 200, what="200 repeats seen as duplicates")
        assert_exactly_once(db_of(hub), sent, "once")
        assert publisher.dropped == 0

    def test_a_redelivery_changes_nothing(self, hub: RunningHub, publisher: Publisher) -> None:
        sent = batch("again", 50)
        publisher.publish(TOPIC, sent)
        publisher.flush()
        await_stored(db_of(hub), "again", 50)
        before = [hub.hub.store.event(e["id"]) for e in sent]
        totals = hub.hub.pipeline.totals
        duplicates, dead = totals.duplicates, totals.dead
        publisher.publish(TOPIC, sent)  # redelivered as it was
        publisher.flush()
        wait_for(lambda: totals.duplicates >= duplicates + 50, what="50 redeliveries seen as duplicates")
        assert totals.dead == dead
        changed = [dict(e, data=dict(e["data"], free=e["data"]["free"] + 1)) for e in sent]
        publisher.publish(TOPIC, changed)  # same source and id, other content: the first one stays
        publisher.flush()
        wait_for(lambda: totals.dead >= dead + 50, what="50 conflicting repeats dead-lettered")
        assert [hub.hub.store.event(e["id"]) for e in sent] == before
        assert_exactly_once(db_of(hub), sent, "again")

    def test_malformed_messages_become_dead_letters_with_their_origin(self, bus: Bus, hub: RunningHub,
                                                                      publisher: Publisher) -> None:
        good = batch("amid", 3)
        bad_schema = dict(occupancy("amid", 3), data={"lot_id": "JM-P-003", "capacity": "很多", "free": 1})
        broken = b'{"specversion": "1.0", "id": "cut-off'
        publisher.publish(TOPIC, good[:1])
        publisher.publish_raw(TOPIC, broken)
        publisher.publish(TOPIC, good[1:2])
        publisher.publish(TOPIC, [bad_schema])
        publisher.publish(TOPIC, good[2:])
        publisher.flush()
        await_stored(db_of(hub), "amid", 3)
        wait_for(lambda: hub.hub.store.counts()["deadletters"] >= 2, what="2 dead letters")
        assert_exactly_once(db_of(hub), good, "amid")
        letters = {base64.b64decode(d["raw"]): d for d in hub.get("/api/deadletters").json()["items"]}
        assert set(letters) == {broken, orjson.dumps(bad_schema)}
        assert letters[broken]["reason"].startswith("invalid JSON")
        assert letters[orjson.dumps(bad_schema)]["reason"].startswith("schema city.parking.occupancy")
        for letter in letters.values():
            assert letter["transport"] == ("kafka" if bus.name == "kafka" else "mqtt")
            if bus.name == "kafka":
                assert letter["topic"] == "city.events"
                assert letter["partition"] is not None and letter["offset"] is not None
            else:
                assert letter["topic"] == TOPIC

    def test_structured_and_binary_cloudevents(self, bus: Bus, hub: RunningHub, publisher: Publisher) -> None:
        sdk, by_hand, sdk_binary, raw_binary = batch("modes", 4)
        publisher.publish_raw(TOPIC, sdk_structured(sdk))  # structured, written by the CloudEvents SDK
        publisher.publish_raw(TOPIC, orjson.dumps(by_hand))  # structured, as mosquitto_pub / kcat send a file
        expected = [sdk, by_hand]
        if bus.binary_mode:
            publisher.publish_raw(TOPIC, *bus.binary(sdk_binary, sdk=True))
            publisher.publish_raw(TOPIC, *bus.binary(raw_binary, sdk=False))
            expected += [sdk_binary, raw_binary]
        publisher.flush()
        await_stored(db_of(hub), "modes", len(expected))
        assert_exactly_once(db_of(hub), expected, "modes")
        for ce in expected:
            stored = hub.hub.store.event(ce["id"])
            assert stored is not None
            assert (stored["source"], stored["type"], stored["data"]) == (ce["source"], ce["type"], ce["data"])
            assert stored["hub"]["district_code"]

    def test_normalized_events_are_republished(self, bus: Bus, hub: RunningHub, publisher: Publisher) -> None:
        listener = bus.listen_republished()
        try:
            sent = batch("republish", 100)
            publisher.publish(TOPIC, sent)
            publisher.publish_raw(TOPIC, b"not json at all")
            publisher.flush()
            ids = {e["id"] for e in sent}

            def arrived() -> bool:
                with listener.lock:
                    return ids <= {n["id"] for n in listener.normalized} and bool(listener.dead)

            wait_for(arrived, timeout=60, what="100 normalized events and a dead letter republished")
            with listener.lock:
                mine = [(n, k) for n, k in zip(listener.normalized, listener.keys, strict=True) if n["id"] in ids]
                dead = list(listener.dead)
        finally:
            listener.close()
        for normalized, key in mine:
            if bus.name == "kafka":  # the full normalized event, keyed by grid code (or district)
                hub_block = normalized["hub"]
                assert hub_block["district_code"] and normalized["data"]["capacity"] == 100
                assert key == (hub_block["grid_code"] or hub_block["district_code"]).encode()
            else:  # the map item on hub/events/<district>/<domain>
                assert key == f"hub/events/{normalized['district_code']}/parking".encode()
        assert any(d["reason"].startswith("invalid JSON") for d in dead)

    def test_hub_killed_mid_stream_loses_and_doubles_nothing(self, bus: Bus, tmp_path: Path) -> None:
        """SIGKILL the hub process while a source publishes 3000 events; the rest arrive while it is
        down; after the restart every event is stored exactly once."""
        proc = HubProcess(bus.serve_args(), tmp_path, bus.serve_env())
        proc.start()
        publisher = bus.publisher("pub-kill")
        try:
            await_ready(bus, publisher, proc.db, "kill")
            sent = batch("kill", 3000)
            done = threading.Event()
            thread = threading.Thread(target=publish_paced, args=(publisher, sent, 1500.0, done), daemon=True)
            thread.start()
            wait_for(lambda: sum(proc.stored_ids("kill-").values()) >= 500, timeout=60, every=0.02,
                     what="500 events stored before the kill")
            proc.kill()
            at_kill = sum(proc.stored_ids("kill-").values())
            thread.join(60)
            publisher.flush(60)
            assert done.is_set() and publisher.dropped == 0
            assert at_kill < len(sent), "the hub was killed after the stream ended"
            proc.start()
            after = batch("kill", 200, start=len(sent))  # published once the hub is back
            publisher.publish(TOPIC, after)
            publisher.flush(60)
            if bus.holds_for_absent_hub:
                await_stored(proc.db, "kill", len(sent) + len(after), timeout=120)
                assert_exactly_once(proc.db, sent + after, "kill")
            else:  # the bus drops what came while no hub was there: nothing doubled, the rest stored
                wait_for(lambda: {e["id"] for e in after} <= set(proc.stored_ids("kill-")), timeout=60,
                         what="events published after the restart stored")
                stored = proc.stored_ids("kill-")
                assert max(stored.values()) == 1 and set(stored) <= {e["id"] for e in sent + after}
        finally:
            publisher.close()
            proc.stop()

    def test_a_publisher_buffers_while_the_broker_is_away_and_counts_drops(self, bus: Bus) -> None:
        publisher = bus.small_publisher("pub-small", room=100)
        try:
            publisher.publish(TOPIC, [occupancy("away", 999)])  # connected, and knows the topic
            publisher.flush()
            bus.stop()
            publisher.publish(TOPIC, batch("away", 300))  # does not raise, does not block for long
            assert 190 <= publisher.dropped <= 210, publisher.dropped
            bus.start()
            publisher.flush(60)  # the buffered ones are delivered after the reconnect
            if isinstance(publisher, KafkaPublisher):
                assert publisher.delivered + publisher.dropped == 301
        finally:
            publisher.close()

    def test_broker_restart_hub_and_publisher_reconnect(self, bus: Bus, hub: RunningHub,
                                                        publisher: Publisher) -> None:
        first = batch("restart", 300)
        publisher.publish(TOPIC, first)
        publisher.flush()
        await_stored(db_of(hub), "restart", 300)
        ingest = ingest_of(hub)
        before = reconnections(ingest)
        second = batch("restart", 300, start=300)
        bus.stop()
        if bus.durable:  # the publisher buffers while the broker is away; the broker kept the hub's session
            publisher.publish(TOPIC, second)
            time.sleep(0.5)
            bus.start()
        else:  # the broker comes back empty: publish once the hub has subscribed again
            bus.start()
            wait_for(lambda: reconnections(ingest) > before, timeout=60, what="the hub to reconnect")
            publisher.publish(TOPIC, second)
        publisher.flush(60)
        wait_for(lambda: reconnections(ingest) > before, timeout=60, what="the hub to reconnect")
        await_stored(db_of(hub), "restart", 600)
        assert_exactly_once(db_of(hub), first + second, "restart")
        assert publisher.dropped == 0

    def test_two_hub_workers_share_the_stream(self, bus: Bus, tmp_path: Path) -> None:
        """Two hubs on one store: a shared subscription ($share/cityhub/…) or one consumer group splits
        the stream between them; every event is stored once; when one stops the other takes all."""
        settings = [bus.hub_settings(tmp_path, mqtt_client_id=f"cityhub-{n}", mqtt_share_group="cityhub")
                    for n in ("a", "b")]
        db = tmp_path / "hub.sqlite"
        with running_hub(settings[0]) as first:
            publisher = bus.publisher("pub-shared")
            try:
                await_ready(bus, publisher, db, "shared")
                with running_hub(settings[1]) as second:
                    if bus.name == "kafka":  # wait for the rebalance that gives the second hub its partitions
                        wait_for(lambda: bool(ingest_of(first).assignment and ingest_of(second).assignment),
                                 timeout=60, what="both hubs assigned partitions")
                        assert not ingest_of(first).assignment & ingest_of(second).assignment
                    else:
                        ingest_of(second).connected.wait(10)
                    sent = batch("shared", 1000)
                    publisher.publish(TOPIC, sent)
                    publisher.flush()
                    await_stored(db, "shared", 1000)
                    assert_exactly_once(db, sent, "shared")
                    shares = [h.hub.pipeline.totals.stored for h in (first, second)]
                    assert all(shares), f"one hub did all the work: {shares}"
                later = batch("shared", 300, start=1000)  # the second hub has stopped: the first takes all
                publisher.publish(TOPIC, later)
                publisher.flush()
                await_stored(db, "shared", 1300, timeout=90)
                assert_exactly_once(db, sent + later, "shared")
            finally:
                publisher.close()
