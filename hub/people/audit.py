"""The audit log: every sign-in (and failure), case step, acknowledgement, user change and read of a
raw original, as hash-chained rows.

Row n holds `hash = SHA-256(prev_hash ‖ canonical JSON of its fields)` where prev_hash is row n-1's
hash; `audit_head` holds the last row's seq and hash. The platform has no route or command that
changes or deletes a row; a row changed or deleted in the database breaks the chain at that row,
and a cut-off tail disagrees with the head. `verify` names the first row where the chain fails.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from hub.store.database import Database

GENESIS = "0" * 64
FIELDS = ("seq", "at", "who", "action", "target", "detail", "address")
BATCH = 5000


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    body = orjson.dumps({k: row[k] for k in FIELDS}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


@dataclass(frozen=True, slots=True)
class Break:
    """Where the chain fails: the row's seq and what is wrong there."""

    seq: int
    reason: str


class AuditLog:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db, self.clock = db, clock

    def append(self, who: str, action: str, target: str = "", detail: dict[str, Any] | None = None,
               address: str = "") -> int:
        """Add one row at the end of the chain; its seq."""
        with self.db.exclusive():
            head = self.db.one("SELECT seq, hash FROM audit_head WHERE id = 1")
            seq, prev = (int(head["seq"]) + 1, str(head["hash"])) if head else (1, GENESIS)
            row = {"seq": seq, "at": round(self.clock(), 6), "who": who, "action": action, "target": target,
                   "detail": orjson.dumps(detail or {}, option=orjson.OPT_SORT_KEYS).decode(), "address": address}
            digest_ = row_hash(prev, row)
            self.db.execute("INSERT INTO audit_log (seq, at, who, action, target, detail, address, prev_hash, hash)"
                            " VALUES (?,?,?,?,?,?,?,?,?)", (*[row[k] for k in FIELDS], prev, digest_))
            self.db.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id)"
                            " DO UPDATE SET seq = excluded.seq, hash = excluded.hash", (seq, digest_))
        return seq

    def search(self, who: str | None = None, action: str | None = None, since: float | None = None,
               until: float | None = None, limit: int = 100, before: int | None = None) -> list[dict[str, Any]]:
        where, args = ["1=1"], []
        for clause, value in (("who = ?", who), ("action = ?", action), ("at >= ?", since), ("at < ?", until),
                              ("seq < ?", before)):
            if value is not None:
                where.append(clause)
                args.append(value)
        rows = self.db.execute(f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
                               [*args, limit])
        return [r | {"detail": orjson.loads(r["detail"])} for r in rows]

    def _rows(self) -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            rows = self.db.execute("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", (after, BATCH))
            yield from rows
            if len(rows) < BATCH:
                return
            after = int(rows[-1]["seq"])

    def verify(self) -> tuple[int, Break | None]:
        """How many rows hold, and the first break (None when the whole chain holds)."""
        expected_seq, prev, count = 1, GENESIS, 0
        for row in self._rows():
            seq = int(row["seq"])
            if seq != expected_seq:
                return count, Break(expected_seq, f"row {expected_seq} is missing (next row is {seq})")
            if row["prev_hash"] != prev:
                return count, Break(seq, f"row {seq} does not follow row {seq - 1}: prev_hash differs")
            if row_hash(prev, row) != row["hash"]:
                return count, Break(seq, f"row {seq} was changed: its content does not match its hash")
            prev, expected_seq, count = row["hash"], seq + 1, count + 1
        head = self.db.one("SELECT seq, hash FROM audit_head WHERE id = 1")
        if head is not None and (int(head["seq"]) != count or head["hash"] != prev):
            return count, Break(count + 1, f"rows after {count} are missing (the head records row {head['seq']})")
        if head is None and count:
            return count, Break(count, "the chain's head record is missing")
        return count, None
