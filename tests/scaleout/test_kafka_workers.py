"""Three hub worker processes (`cityhub serve --kafka … --db postgresql://…`) in consumer group `cityhub`
on one tansu broker and one PostGIS database. One is SIGKILLed mid-stream: the other two take over its
partitions, and at the end every event is stored exactly once — none lost, none doubled — and the
normalized stream carries no event twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import psycopg
import pytest
from kafka import KafkaConsumer

from bench.hubproc import HubProcess
from bench.load import build_load
from bench.run import create_topic
from hub.events import Event, Message
from hub.geo import load_city
from hub.pipeline.decode import Limits, decode
from hub.pipeline.placement import place
from hub.registry import load_registry
from hub.transports.kafka.publisher import KafkaPublisher
from tests.support import wait_for
from tests.transport.brokers import Tansu

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PARTITIONS = 6
EVENTS = 3000
RATE = 600.0  # events/s: five seconds of stream, the kill lands in the middle of it
HELD_BACK = 3  # the last third of the stream is published only once the kill is done: the kill is mid-stream


def placeable(items: list[tuple[str, bytes, bytes]]) -> list[tuple[str, bytes, bytes]]:
    """The load's events the hub will store (a few simulated vehicles drive out of the city)."""
    events = [d for d in (decode(Message(p, t, "kafka"), Limits()) for t, _, p in items) if isinstance(d, Event)]
    placed, _ = place(events, load_city(), load_registry())
    keep = {e.message.payload for e in placed}
    return [item for item in items if item[2] in keep]


def stored(db: str, tag: str) -> Counter[str]:
    with psycopg.connect(db, autocommit=True) as conn:
        rows = conn.execute("SELECT id FROM events WHERE id LIKE %s", (f"%.{tag}",)).fetchall()
    return Counter(r[0] for r in rows)


def partitions(worker: HubProcess) -> set[int]:
    kafka = worker.health()["transports"]["kafka"]  # type: ignore[index]
    return set(kafka.get("partitions") or ())


def publish_paced(bootstrap: str, items: list[tuple[str, bytes, bytes]], done: threading.Event,
                  killed: threading.Event) -> None:
    """Publish at RATE; before the last third, wait for the kill (however fast or slow the workers are)."""
    publisher = KafkaPublisher(bootstrap, client_id="scaleout-sources")
    began = time.monotonic()
    hold_at = len(items) - len(items) // HELD_BACK
    try:
        for n, (topic, key, payload) in enumerate(items):
            if n == hold_at:
                killed.wait(180)
                began = time.monotonic() - n / RATE
            delay = began + n / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            publisher.publish_raw(topic, payload, key=key)
        publisher.flush(60)
        assert publisher.dropped == 0
        done.set()
    finally:
        publisher.close()


def normalized_ids(bootstrap: str, tag: str) -> Counter[str]:
    consumer = KafkaConsumer("city.events.normalized", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=5000)
    try:
        return Counter(body["id"] for body in (orjson.loads(r.value) for r in consumer)
                       if str(body.get("id", "")).endswith(f".{tag}"))
    finally:
        consumer.close()


def test_three_workers_one_killed_mid_stream_store_every_event_exactly_once(
        tansu: Tansu, shared_postgis: str, tmp_path: Path) -> None:
    tag = f"so{int(time.time())}"
    items = placeable(build_load(EVENTS, run_tag=tag).items)
    expected = {orjson.loads(p)["id"] for _, _, p in items}
    create_topic(tansu.bootstrap, PARTITIONS)
    workers = [HubProcess(tmp_path / f"worker-{n}", kafka=tansu.bootstrap, db=shared_postgis, name=f"worker-{n}")
               for n in range(3)]
    try:
        for worker in workers:
            worker.start()
        wait_for(lambda: all(partitions(w) for w in workers) and
                 set().union(*(partitions(w) for w in workers)) == set(range(PARTITIONS)),
                 timeout=90, every=0.5, what="the consumer group of three workers")
        done, killed = threading.Event(), threading.Event()
        source = threading.Thread(target=publish_paced, args=(tansu.bootstrap, items, done, killed), daemon=True)
        source.start()
        wait_for(lambda: sum(stored(shared_postgis, tag).values()) >= len(items) // 3, timeout=120, every=0.05,
                 what="a third of the stream stored before the kill")
        victim, survivors = workers[1], [workers[0], workers[2]]
        taken_from_victim = partitions(victim)
        victim.kill()
        killed.set()
        at_kill = sum(stored(shared_postgis, tag).values())
        assert taken_from_victim, "the killed worker owned no partition"
        assert not done.is_set() and at_kill < len(items), "the kill came after the stream had ended"
        source.join(120)
        assert done.is_set(), "the source did not finish publishing"
        wait_for(lambda: set().union(*(partitions(w) for w in survivors)) == set(range(PARTITIONS)),
                 timeout=90, every=0.5, what="the survivors to take over the killed worker's partitions")
        wait_for(lambda: set(stored(shared_postgis, tag)) >= expected, timeout=180, every=0.5,
                 what=f"all {len(expected)} events stored")
        found = stored(shared_postgis, tag)
        assert set(found) == expected and max(found.values()) == 1  # none lost, none extra, none twice
        republished = normalized_ids(tansu.bootstrap, tag)
        assert max(republished.values()) == 1, "an event was republished twice"
        assert set(republished) <= expected
    finally:
        for worker in workers:
            worker.stop()
