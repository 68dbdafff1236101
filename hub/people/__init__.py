"""People and tiers: named users, sign-in tokens, areas, separation of duties, the alarm desk and the audit log."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hub.people.alarms import AlarmDesk
from hub.people.audit import AuditLog
from hub.people.duties import Duties, load_duties
from hub.people.scopes import Area, Principal
from hub.people.tables import open_people_db
from hub.people.tokens import SignInLimit, TokenBook
from hub.people.users import UserBook
from hub.store.database import Database


@dataclass
class People:
    db: Database
    users: UserBook
    tokens: TokenBook
    limit: SignInLimit
    audit: AuditLog
    alarms: AlarmDesk
    duties: Duties

    def principal(self, token: str) -> Principal | None:
        """The active user a live sign-in token belongs to."""
        name = self.tokens.holder(token)
        user = self.users.get(name) if name else None
        return user.principal() if user and not user.disabled else None

    def close(self) -> None:
        self.db.close()


def open_people(url: str, token_ttl_s: float = 8 * 3600, per_user: int = 5, per_address: int = 20,
                window_s: float = 900, clock: Callable[[], float] = time.time) -> People:
    db = open_people_db(url)
    return People(db, UserBook(db), TokenBook(db, token_ttl_s, clock), SignInLimit(db, per_user, per_address,
                  window_s, clock), AuditLog(db, clock), AlarmDesk(db, clock), load_duties())


__all__ = ["Area", "People", "Principal", "open_people"]
