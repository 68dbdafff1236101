"""The store bench's index study: each secondary index of `events` is dropped for its turn and built again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bench import bench_store
from hub.store import Store
from hub.store.sqlite import SqliteStore

pytestmark = pytest.mark.integration


def test_every_index_is_timed_without_and_back_after_its_turn(tmp_path: Path, monkeypatch: Any) -> None:
    store: Store = SqliteStore(str(tmp_path / "hub.sqlite"))
    end = time.time()
    store.close()
    bench_store.fill_sqlite(str(tmp_path / "hub.sqlite"), bench_store.rows(300, 7, end), lambda n: None)
    store = SqliteStore(str(tmp_path / "hub.sqlite"))
    before = bench_store.secondary_indexes(store)
    assert {"events_time", "events_type_time", "events_district_time", "events_grid_time",
            "events_tile_time"} == set(before)
    seen: list[set[str]] = []
    monkeypatch.setattr(bench_store, "timed", lambda call, runs=1: {"rows": call() is not None})  # each query once
    real_queries = bench_store.queries

    def queries(store_: Store, end_: float) -> dict[str, Any]:
        seen.append(set(bench_store.secondary_indexes(store_)))
        return real_queries(store_, end_)

    monkeypatch.setattr(bench_store, "queries", queries)
    report = bench_store.without_each_index(store, end, write=False)
    assert list(report) == ["all", *before]
    assert seen == [set(before), *({*before} - {name} for name in before)]  # one missing at a time
    assert bench_store.secondary_indexes(store) == before  # each built again, as it was
    store.close()
