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
