"""The write path in one batch: which events come back as fresh, the order sequence numbers follow,
and the counters of a batch that mixes new, already stored and repeated events (both stores)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.store import EventQuery
from tests.store.cases import JIANGHAI, NOW_HOUR, PENGJIANG, make_dead, make_event

pytestmark = pytest.mark.integration


def test_a_mixed_batch_returns_exactly_its_new_events_in_batch_order(store: Any) -> None:
    stored = [make_event(f"old{i}", NOW_HOUR - 3000 + i) for i in range(5)]
    store.write(stored, [])
    batch = []
    for i in range(40):
        batch.append(make_event(f"new{i}", NOW_HOUR - 2000 + i, where=PENGJIANG if i % 2 else JIANGHAI))
        if i % 8 == 0:
            batch.append(make_event(f"old{i // 8}", NOW_HOUR - 3000 + i // 8))  # redelivered: not fresh
    batch.append(make_event("new3", NOW_HOUR - 2000 + 3))  # a repeat within the batch: the first one wins
    fresh = store.write(batch, [make_dead(1)])
    assert [id(e) for e in fresh] == [id(e) for e in batch if e.ce["id"].startswith("new")][:40]
    assert store.counts() == {"events": 45, "deadletters": 1}
    assert sum(r["count"] for r in store.stats("district")) == 45
    assert sum(r["count"] for r in store.stats("severity")) == 45
    assert store.write(batch, []) == []  # the whole batch again: nothing new, nothing counted twice
    assert store.counts() == {"events": 45, "deadletters": 1}


def test_sequence_numbers_follow_the_batch_order(store: Any) -> None:
    ties = [make_event(f"tie{i:02d}", NOW_HOUR - 150) for i in range(60)]  # uids in another order than ids
    store.write(ties, [])
    order = [item["id"] for item in store.events(EventQuery(limit=100)).items]
    assert order == [e.ce["id"] for e in reversed(ties)]  # equal times: the later stored first


def test_dead_letters_alone_and_empty_batches(store: Any) -> None:
    assert store.write([], []) == []
    assert store.write([], [make_dead(1), make_dead(2, transport="kafka")]) == []
    assert store.counts() == {"events": 0, "deadletters": 2}
    assert {r["key"] for r in store.stats("district")} == set()


@pytest.mark.postgres
def test_new_events_copied_straight_in_get_the_same_point_and_counters_as_the_statement_gives(
        pg_url: str) -> None:
    """A batch of new events is COPYed into `events` (the geometry sent as EWKB, the counters computed by the
    hub); a batch with a stored event takes the INSERT … ON CONFLICT path. Both must store the same thing."""
    import psycopg

    from hub.store.postgres import PostgresStore

    store = PostgresStore(pg_url)
    try:
        fresh = [make_event(f"copy{i}", NOW_HOUR - 900 + i, where=PENGJIANG if i % 2 else JIANGHAI)
                 for i in range(30)]
        assert fresh[3].hub is not None
        fresh[3].hub.lon = fresh[3].hub.lat = None  # an event the hub could not place on a point: NULL geometry
        assert store.write(fresh, []) == fresh
        mixed = [make_event("copy5", NOW_HOUR - 900 + 5)] + [make_event(f"staged{i}", NOW_HOUR - 600 + i)
                                                             for i in range(30)]
        assert store.write(mixed, []) == mixed[1:]
        with psycopg.connect(pg_url) as conn:
            differ = conn.execute(
                "SELECT count(*) FROM events WHERE (geom IS NULL) <> (lon IS NULL) OR ST_SRID(geom) <> 4326"
                " OR NOT ST_Equals(geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326))").fetchone()
            unplaced = conn.execute("SELECT count(*) FROM events WHERE geom IS NULL").fetchone()
        assert differ == (0,) and unplaced == (1,)
        counted = {dim: sorted(store.stats(dim), key=str) for dim in ("district", "town", "type", "department",
                                                                      "severity")}
        assert store.counts()["events"] == 60 == sum(r["count"] for r in counted["type"])
        store.rebuild_tallies()  # recounted from the rows by SQL: the same as the two write paths counted
        assert {dim: sorted(store.stats(dim), key=str) for dim in counted} == counted
    finally:
        store.close()
