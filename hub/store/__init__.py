"""Where accepted events and dead letters are kept: SQLite (embedded default) or PostgreSQL+PostGIS."""

from __future__ import annotations

from hub.store.base import EventQuery, Page, Store
from hub.store.database import target


def open_store(url: str) -> Store:
    """`sqlite:///path/to/hub.sqlite` or `postgresql://user@host/db` (hub.store.database.target)."""
    dialect, where = target(url)
    if dialect == "sqlite":
        from hub.store.sqlite import SqliteStore

        return SqliteStore(where)
    from hub.store.postgres import PostgresStore

    return PostgresStore(where)


__all__ = ["EventQuery", "Page", "Store", "open_store"]
