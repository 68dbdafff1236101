"""The hub's SQLite file: one set of WAL settings for the store and the incident tables, and a thread that
copies the WAL back into the file so that no worker's COMMIT does it."""

from __future__ import annotations

import copy
import sqlite3
import threading
from pathlib import Path

import pytest

from hub.incidents.db import open_db
from hub.store import EventQuery, wal
from hub.store.database import SqliteDatabase
from hub.store.sqlite import SqliteStore
from tests.store.cases import NOW_HOUR, PENGJIANG, make_event
from tests.support import wait_for


def test_the_wal_reaches_the_database_file_without_a_writer_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    store = SqliteStore(str(path))
    try:
        first = make_event("wal-0", NOW_HOUR - 1800, where=PENGJIANG)
        before = path.stat().st_size
        batches = 0
        for n in range(40):  # ≈ 2,000 events: a few hundred pages, far below the writers' own checkpoint
            events = []
            for i in range(50):
                event = copy.deepcopy(first)
                event.ce["id"] = f"wal-{n}-{i}"
                assert event.hub is not None
                event.hub.uid = f"uid-{n}-{i}"
                events.append(event)
            assert len(store.write(events, [])) == 50
            batches += 1
        assert store.counts()["events"] == 50 * batches
        checkpointer = store.db.connections.checkpointer
        assert checkpointer is not None
        wait_for(lambda: path.stat().st_size > before + 200 * 4096 and checkpointer.runs > 0,
                 what="the checkpoint thread to copy the WAL into hub.sqlite")
        assert path.with_name("hub.sqlite-wal").stat().st_size < wal.SAFETY_CHECKPOINT_PAGES * 4096
        assert store.events(EventQuery(limit=5)).items  # the data reads the same from file and WAL
    finally:
        store.close()


def test_the_store_and_the_incident_tables_share_one_connection_a_thread_until_the_last_closes(
        tmp_path: Path) -> None:
    path = str(tmp_path / "hub.sqlite")
    store, db = SqliteStore(path), open_db(f"sqlite:///{path}")
    assert isinstance(db, SqliteDatabase) and store.db.connections is db.connections
    conn = store.db.connection()
    assert db.connection() is conn  # a write by one leaves the other's page cache as it is: it is the same cache
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == wal.SAFETY_CHECKPOINT_PAGES
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -64 * 1024  # the store's, for both
    others: list[sqlite3.Connection] = []
    elsewhere = threading.Thread(target=lambda: others.append(db.connection()))
    elsewhere.start()
    elsewhere.join()
    assert others[0] is not conn  # another thread, its own connection
    shared = store.db.connections.checkpointer
    assert shared is not None and shared.holders == 1
    thread = shared._thread
    store.close()
    assert thread.is_alive() and db.execute("SELECT count(*) AS n FROM incidents") == [{"n": 0}]
    db.close()
    thread.join(timeout=10)
    assert not thread.is_alive()
    again = SqliteStore(path)  # a reopened store starts anew
    try:
        assert again.db.connections is not store.db.connections
        assert again.db.connections.checkpointer is not None and again.db.connections.checkpointer is not shared
        assert again.db.connections.checkpointer._thread.is_alive()
    finally:
        again.close()


def test_a_shared_file_runs_every_users_closing_step_when_the_last_user_closes(tmp_path: Path) -> None:
    path = str(tmp_path / "hub.sqlite")
    first, second = wal.Connections.shared(path), wal.Connections.shared(path)
    assert first is second
    conn = first.get()
    ran: list[tuple[str, sqlite3.Connection]] = []
    first.close(lambda c: ran.append(("store", c)))
    assert ran == [] and conn.execute("SELECT 1").fetchone() == (1,)  # still open for the other user
    second.close(lambda c: ran.append(("incidents", c)))
    assert ran == [("store", conn), ("incidents", conn)]  # the first closer's step was not dropped
    with pytest.raises(sqlite3.ProgrammingError):  # and then closed
        conn.execute("SELECT 1")
