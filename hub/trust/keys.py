"""The source systems' public keys, in the hub's own database (SQLite or PostgreSQL, the store's URL).

Table `source_keys` (adapter, public_key, issued_at, revoked_at): `public_key` is the raw 32-byte
Ed25519 key in base64url (the JWK `x`); a key signs for its adapter from `issued_at` until
`revoked_at`. An adapter may hold several live keys at once, so a key can be rolled over without
a gap: issue the new one, move the adapter to it, revoke the old ones.

`KeyRing` is the hub's in-memory copy, read again at most every `refresh_s` seconds by whichever
worker thread asks first; a key issued or revoked takes effect within that time on every worker.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.store.database import COLUMN_TYPES, placeholders, short_connection, target
from hub.trust.signing import b64url, unb64url

log = logging.getLogger(__name__)
TABLE = """CREATE TABLE IF NOT EXISTS source_keys (
  adapter TEXT NOT NULL, public_key TEXT NOT NULL, issued_at {real} NOT NULL, revoked_at {real},
  PRIMARY KEY (adapter, public_key))"""


@dataclass(frozen=True, slots=True)
class KeyRow:
    adapter: str
    public_key: str
    issued_at: float
    revoked_at: float | None


class KeyTable:
    """The `source_keys` table; one short connection per call (keys change and are read rarely)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect, _ = target(url)
        self._run(TABLE.format(**COLUMN_TYPES[self.dialect]))

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with short_connection(self.url) as conn:
            cursor = conn.execute(placeholders(sql) if self.dialect == "postgres" else sql, args)
            return list(cursor.fetchall()) if cursor.description else []

    def add(self, adapter: str, key: Ed25519PublicKey, now: float | None = None) -> KeyRow:
        row = KeyRow(adapter, public_text(key), time.time() if now is None else now, None)
        self._run("INSERT INTO source_keys (adapter, public_key, issued_at) VALUES (?, ?, ?)",
                  (row.adapter, row.public_key, row.issued_at))
        return row

    def revoke(self, adapter: str, now: float | None = None, key: str | None = None) -> int:
        """Revoke every live key of `adapter`, or only `key` (its public half as `list` shows it); how many."""
        when = time.time() if now is None else now
        sql = "UPDATE source_keys SET revoked_at = ? WHERE adapter = ? AND revoked_at IS NULL"
        args: tuple[Any, ...] = (when, adapter)
        if key is not None:
            sql, args = sql + " AND public_key = ?", (*args, key)
        return len(self._run(sql + " RETURNING public_key", args))

    def rows(self) -> list[KeyRow]:
        return [KeyRow(*r) for r in self._run(
            "SELECT adapter, public_key, issued_at, revoked_at FROM source_keys ORDER BY adapter, issued_at")]


def public_text(key: Ed25519PublicKey) -> str:
    return b64url(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64url(text))


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


@dataclass(frozen=True, slots=True)
class Known:
    """What the ring knows of one adapter: its live keys and its revoked ones."""
    live: list[Ed25519PublicKey]
    revoked: list[Ed25519PublicKey]


class KeyRing:
    def __init__(self, table: KeyTable, refresh_s: float = 5) -> None:
        self.table, self.refresh_s = table, refresh_s
        self._known: dict[str, Known] = {}
        self._loaded_at = -float("inf")
        self._loading = threading.Lock()

    def get(self, adapter: str) -> Known | None:
        if time.monotonic() - self._loaded_at >= self.refresh_s and self._loading.acquire(blocking=False):
            try:
                self.reload()
            finally:
                self._loading.release()
        return self._known.get(adapter)

    def reload(self) -> None:
        """Read the table again; on failure keep the keys known so far (the database may be away briefly)."""
        try:
            rows = self.table.rows()
        except Exception as err:
            log.warning("source keys not re-read, keeping the %d adapters known: %s", len(self._known), err)
            self._loaded_at = time.monotonic()
            return
        known: dict[str, Known] = {}
        for row in rows:
            keys = known.setdefault(row.adapter, Known([], []))
            (keys.live if row.revoked_at is None else keys.revoked).append(public_key(row.public_key))
        self._known = known
        self._loaded_at = time.monotonic()
