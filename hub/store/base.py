"""The one interface every store implements, and the query it answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hub.events import DeadLetter, Event

STATS_BY = ("district", "domain", "type", "grid", "hour", "town", "department", "severity")


@dataclass(frozen=True, slots=True)
class EventQuery:
    type: str | None = None
    domain: str | None = None
    district: str | None = None
    grid: str | None = None  # a grid code, or a prefix of one (town, community)
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    since: float | None = None  # event time, epoch seconds
    until: float | None = None
    limit: int = 100
    before: int | None = None  # paging cursor: only rows stored before this sequence number


@dataclass(slots=True)
class Page:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: int | None = None


class Store(Protocol):
    def write(self, events: list[Event], dead: list[DeadLetter]) -> list[Event]:
        """Store a batch in one transaction; return the events that were new (not duplicates)."""
        ...

    def events(self, query: EventQuery) -> Page: ...

    def event(self, uid: str) -> dict[str, Any] | None:
        """One normalized event with its raw original (base64) by the hub's uid or the CE id."""
        ...

    def deadletters(self, limit: int = 100, before: int | None = None) -> Page: ...

    def stats(self, by: str, since: float | None = None) -> list[dict[str, Any]]: ...

    def counts(self) -> dict[str, int]:
        """{"events": n, "deadletters": n}"""
        ...

    def close(self) -> None: ...
