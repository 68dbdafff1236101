"""Sign-in tokens that expire and can be revoked, and the limit on failed sign-ins.

A token is 32 random bytes handed to the user once; the database keeps only its SHA-256, so a
copy of the database signs nobody in. Failed sign-ins are counted per user name and per address
in the database (every hub worker sees the same count); past the limit within the window every
attempt for that name or from that address is refused, right password or not, until the window
has moved on.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.store.database import Database


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_at: float


class TokenBook:
    def __init__(self, db: Database, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.db, self.ttl_s, self.clock = db, ttl_s, clock

    def issue(self, user: str, address: str = "") -> Issued:
        token, now = secrets.token_urlsafe(32), self.clock()
        with self.db.exclusive():
            self.db.execute("DELETE FROM people_tokens WHERE expires_at < ?", (now - 86400,))
            self.db.execute("INSERT INTO people_tokens (token_hash, user_name, issued_at, expires_at, address)"
                            " VALUES (?,?,?,?,?)", (digest(token), user, now, now + self.ttl_s, address))
        return Issued(token, now + self.ttl_s)

    def holder(self, token: str) -> str | None:
        """The user a live token (issued, not expired, not revoked) belongs to."""
        row = self.db.one("SELECT user_name, expires_at, revoked_at FROM people_tokens WHERE token_hash = ?",
                          (digest(token),))
        if row is None or row["revoked_at"] is not None or row["expires_at"] <= self.clock():
            return None
        return str(row["user_name"])

    def revoke(self, token: str) -> bool:
        with self.db.exclusive():
            found = self.db.execute("UPDATE people_tokens SET revoked_at = ? WHERE token_hash = ?"
                                    " AND revoked_at IS NULL RETURNING user_name", (self.clock(), digest(token)))
        return bool(found)

    def revoke_all(self, user: str) -> int:
        with self.db.exclusive():
            found = self.db.execute("UPDATE people_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL"
                                    " RETURNING user_name", (self.clock(), user))
        return len(found)


class SignInLimit:
    def __init__(self, db: Database, per_user: int, per_address: int, window_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.per_user, self.per_address, self.window_s, self.clock = db, per_user, per_address, window_s, clock

    def _keys(self, user: str, address: str) -> list[tuple[str, int]]:
        return [(f"user:{user}", self.per_user), (f"address:{address}", self.per_address)]

    def retry_after(self, user: str, address: str) -> float | None:
        """Seconds until a sign-in for `user` from `address` is heard again; None when it is heard now."""
        now, wait = self.clock(), None
        for key, limit in self._keys(user, address):
            rows = self.db.execute("SELECT at FROM people_signin_failures WHERE key = ? AND at > ? ORDER BY at DESC"
                                   " LIMIT ?", (key, now - self.window_s, limit))
            if len(rows) >= limit:
                until = rows[-1]["at"] + self.window_s - now
                wait = max(wait or 0.0, until)
        return wait

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        with self.db.exclusive():
            self.db.execute("DELETE FROM people_signin_failures WHERE at < ?", (now - self.window_s,))
            for key, _ in self._keys(user, address):
                self.db.execute("INSERT INTO people_signin_failures (key, at) VALUES (?, ?)", (key, now))

    def succeeded(self, user: str) -> None:
        with self.db.exclusive():
            self.db.execute("DELETE FROM people_signin_failures WHERE key = ?", (f"user:{user}",))
