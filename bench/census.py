"""When a Kafka run ends with events not handled: which of them the broker holds, and where.

Every record of `city.events` is read back from the broker (a plain assigned consumer, no group) and
matched against the load's (source, id) pairs, the store's events and its dead letters (by partition and
offset). The answer splits the unhandled events into those the broker never had (a producer or broker
fault) and those it has but the hub never stored nor dead-lettered (a consumer or hub fault), with the
partitions and offsets of the latter.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import orjson

from bench.publish import KAFKA_TOPIC

EXAMPLES = 20


def records_held(bootstrap: str, idle_s: float = 5.0) -> dict[tuple[str, str], tuple[int, int]]:
    """(source, id) → (partition, offset) of every readable record in `city.events`; a record that is not a
    JSON object with both (a malformed one of the load) is kept under ("", "<partition>:<offset>")."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-census", "enable.auto.commit": False})
    found: dict[tuple[str, str], tuple[int, int]] = {}
    try:
        partitions = consumer.list_topics(KAFKA_TOPIC, timeout=10).topics[KAFKA_TOPIC].partitions
        consumer.assign([TopicPartition(KAFKA_TOPIC, p, 0) for p in partitions])
        last = time.monotonic()
        while time.monotonic() - last < idle_s:
            for record in consumer.consume(5000, 0.5):
                last = time.monotonic()
                if record.error() is not None:
                    continue
                where = (int(record.partition() or 0), int(record.offset() or 0))
                try:
                    body = orjson.loads(record.value() or b"")
                    key = (str(body["source"]), str(body["id"]))
                except Exception:
                    key = ("", f"{where[0]}:{where[1]}")
                found[key] = where
    finally:
        consumer.close()
    return found


def store_rows(db_url: str, tag: str, since: float) -> tuple[set[tuple[str, str]], set[tuple[int, int]]]:
    """The run's stored (source, id) pairs (its ids carry `tag`) and the (partition, offset) of the dead letters
    received since `since`."""
    events_sql = "SELECT source, id FROM events WHERE id LIKE ?"
    dead_sql = 'SELECT partition, "offset" FROM deadletters WHERE received_at >= ? AND partition IS NOT NULL'
    pattern = f"%.{tag}%"
    if db_url.startswith("sqlite:///"):
        with sqlite3.connect(f"file:{db_url.removeprefix('sqlite:///')}?mode=ro", uri=True) as db:
            stored = {(s, i) for s, i in db.execute(events_sql, [pattern])}
            dead = {(p, o) for p, o in db.execute(dead_sql, [since])}
        return stored, dead
    import psycopg

    with psycopg.connect(db_url) as db:
        stored = {(s, i) for s, i in db.execute(events_sql.replace("?", "%s"), [pattern])}
        dead = {(p, o) for p, o in db.execute(dead_sql.replace("?", "%s"), [since])}
    return stored, dead


def census(bootstrap: str, db_urls: list[str], keys: list[tuple[str, str]], tag: str, since: float) -> dict[str, Any]:
    held = records_held(bootstrap)
    stored: set[tuple[str, str]] = set()
    dead: set[tuple[int, int]] = set()
    for url in dict.fromkeys(db_urls):
        s, d = store_rows(url, tag, since)
        stored |= s
        dead |= d
    never = [k for k in keys if k not in held]
    unhandled = sorted((held[k], k) for k in keys if k in held and k not in stored and held[k] not in dead)
    spans: dict[int, list[int]] = {}
    for (partition, offset), _ in unhandled:
        span = spans.setdefault(partition, [offset, offset, 0])
        span[0], span[1], span[2] = min(span[0], offset), max(span[1], offset), span[2] + 1
    return {"sent": len(keys), "broker_holds": len(held), "not_in_broker": len(never),
            "not_in_broker_examples": never[:EXAMPLES],
            "in_broker_unhandled": len(unhandled),
            "unhandled_by_partition": {p: {"first": a, "last": b, "count": n}
                                       for p, (a, b, n) in sorted(spans.items())},
            "unhandled_examples": [{"partition": p, "offset": o, "source": s, "id": i}
                                   for (p, o), (s, i) in unhandled[:EXAMPLES]]}
