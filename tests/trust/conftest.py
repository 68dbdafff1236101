"""Fixtures of the trust tests: source systems' keys registered in a real key table (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trust.keys import KeyRing, KeyTable
from hub.trust.verify import Verifier
from tests.incidents.pg import sqlite_or_postgres, throwaway_database


@pytest.fixture(scope="session")
def pg_keys_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_keys")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def key_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_or_postgres(request, tmp_path, "pg_keys_db", ["source_keys"])


class Keys:
    """A key table on SQLite with a private key issued per adapter, and the hub's verifier over it."""

    def __init__(self, path: Path) -> None:
        self.table = KeyTable(f"sqlite:///{path}")
        self.ring = KeyRing(self.table, refresh_s=0)
        self.private: dict[str, Ed25519PrivateKey] = {}

    def issue(self, adapter: str) -> Ed25519PrivateKey:
        key = self.private[adapter] = Ed25519PrivateKey.generate()
        self.table.add(adapter, key.public_key())
        return key

    def verifier(self, required: bool = True) -> Verifier:
        return Verifier(self.ring, required)


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path / "keys.sqlite")
