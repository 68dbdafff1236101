"""The bench's census of a Kafka run that left events unhandled, against a real tansu and a real SQLite store."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import orjson
from confluent_kafka import Producer

from bench.census import census
from bench.publish import KAFKA_TOPIC
from bench.run import create_topic
from hub.store import open_store
from tests.support import wait_for
from tests.transport.brokers import Tansu


def test_the_census_tells_what_the_broker_never_had_from_what_the_hub_missed(tansu: Tansu, tmp_path: Path) -> None:
    tag = "b42"
    create_topic(tansu.bootstrap, 2)
    keys = [(f"urn:src:{n % 3}", f"e{n}.{tag}") for n in range(12)]
    producer = Producer({"bootstrap.servers": tansu.bootstrap})
    for source, event_id in keys[:10]:  # the last two are never published
        producer.produce(KAFKA_TOPIC, orjson.dumps({"source": source, "id": event_id}), key=source.encode(),
                         partition=int(event_id[1:].split(".")[0]) % 2)
    producer.produce(KAFKA_TOPIC, b"not json", partition=1)
    assert producer.flush(10) == 0
    since = time.time() - 60
    path = tmp_path / "hub.sqlite"
    open_store(f"sqlite:///{path}").close()  # the hub's schema
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO events (uid, source, id, type, domain, time, received_at, body, raw)"
                       " VALUES (?,?,?,'t','d',0,0,x'',x'')", [(f"u{i}", s, e) for i, (s, e) in enumerate(keys[:6])])
        # e6 went to partition 0 as its fourth record (offset 3): dead-lettered, so handled
        db.execute('INSERT INTO deadletters (received_at, reason, transport, topic, partition, "offset", raw)'
                   " VALUES (?, 'bad', 'kafka', ?, 0, 3, x'')", [time.time(), KAFKA_TOPIC])
        db.execute("INSERT INTO events (uid, source, id, type, domain, time, received_at, body, raw)"
                   " VALUES ('other', 'urn:src:0', 'e99.b7', 't', 'd', 0, 0, x'', x'')")  # another run's

    found: dict = {}

    def counted() -> bool:
        found.update(census(tansu.bootstrap, [f"sqlite:///{path}"] * 2, keys, tag, since))
        return found["broker_holds"] == 11

    wait_for(counted, timeout=30, what="the broker's 11 records read back")
    assert found["sent"] == 12
    assert found["not_in_broker"] == 2 and found["not_in_broker_examples"] == keys[10:]
    # e7, e8, e9 are in the broker and neither stored nor dead-lettered
    assert found["in_broker_unhandled"] == 3
    assert {(x["partition"], x["offset"], x["id"]) for x in found["unhandled_examples"]} == {
        (1, 3, "e7.b42"), (0, 4, "e8.b42"), (1, 4, "e9.b42")}
    assert found["unhandled_by_partition"] == {0: {"first": 4, "last": 4, "count": 1},
                                               1: {"first": 3, "last": 4, "count": 2}}
