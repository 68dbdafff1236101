"""Where accepted events and dead letters are kept: SQLite (embedded default) or PostgreSQL+PostGIS."""

from __future__ import annotations

from hub.store.base import EventQuery, Page, Store


def open_store(url: str) -> Store:
    """`sqlite:///path/to/hub.sqlite` or `postgresql://user@host/db`."""
    if url.startswith("sqlite:///"):
        from hub.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from hub.store.postgres import PostgresStore

        return PostgresStore(url)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///PATH or postgresql://…")


__all__ = ["EventQuery", "Page", "Store", "open_store"]
