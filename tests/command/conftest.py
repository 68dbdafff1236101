"""A command desk over a real incident engine (SQLite in tmp_path, or a throwaway PostgreSQL database)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.command.desk import CommandDesk
from hub.incidents import IncidentService
from hub.incidents.model import Incident
from tests.incidents.conftest import Clock, clock, db_url, engine, pg_incidents_db, published  # noqa: F401

BAISHA = (113.0850, 22.5900)  # 蓬江区白沙街道
TAICHENG = (112.7900, 22.2520)  # 台山市台城街道


def open_incident(service: IncidentService, kind: str, at: tuple[float, float], severity: int = 2,
                  now: float = 0.0) -> int:
    incident = Incident(None, kind, f"city.test.{kind}", f"{kind} test", "reported", severity, at[0], at[1],
                        None, "440703", "蓬江区", None, None, None, None, now, now, now, now, now)
    with service.store.db.exclusive():
        return service.store.insert(incident)


@pytest.fixture
def desk(engine: Callable[[], IncidentService], clock: Clock) -> Callable[[], CommandDesk]:  # noqa: F811
    def start() -> CommandDesk:
        return CommandDesk(engine(), clock=clock)

    return start
