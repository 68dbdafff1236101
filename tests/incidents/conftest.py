"""Incident stores on SQLite (tmp_path) and on PostgreSQL (a throwaway database), with a clock the test moves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.incidents import IncidentService, open_incidents
from tests.incidents.factory import T0
from tests.incidents.pg import INCIDENT_TABLES, sqlite_or_postgres, throwaway_database


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def pg_incidents_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_incidents")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_or_postgres(request, tmp_path, "pg_incidents_db", INCIDENT_TABLES)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def published() -> list[tuple[str, list[dict[str, object]]]]:
    return []


@pytest.fixture
def engine(db_url: str, clock: Clock, published: list) -> Iterator[Callable[[], IncidentService]]:  # type: ignore[type-arg]
    """Open incident engines on the test's database: a second one is another worker, or the hub restarted."""
    opened: list[IncidentService] = []

    def start() -> IncidentService:
        opened.append(open_incidents(db_url, lambda kind, items: published.append((kind, items)), clock))
        return opened[-1]

    yield start
    for service in opened:
        service.close()
