"""The people tables on SQLite (tmp_path) and on PostgreSQL (a throwaway database), with a clock the test moves;
and a running hub with one signed-in user per role (tests/people/city.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.people import People, open_people
from tests.incidents.pg import throwaway_database
from tests.people.city import City, open_city


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def pg_people_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_people")


def fresh_pg(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS people_users, people_tokens, people_signin_failures, audit_log,"
                     " audit_head, alarm_acks, incidents, incident_members, incident_steps, incident_timers,"
                     " incident_generation, events, deadletters, tallies")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return fresh_pg(str(request.getfixturevalue("pg_people_db")))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(db_url: str, clock: Clock) -> Iterator[People]:
    opened = open_people(db_url, token_ttl_s=3600, per_user=3, per_address=5, window_s=600, clock=clock)
    yield opened
    opened.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    db = "" if request.param == "sqlite" else fresh_pg(str(request.getfixturevalue("pg_people_db")))
    yield from open_city(tmp_path_factory.mktemp("city"), db)
