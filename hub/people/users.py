"""Named users: role, area and an argon2id password hash (argon2-cffi's PasswordHasher, RFC 9106 defaults)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.people.scopes import Area, BadUser, Principal, area_for
from hub.store.database import Database

HASHER = PasswordHasher()
# verified against when the name is unknown, so an unknown name costs what a wrong password does
DUMMY_HASH = HASHER.hash("cityhub: no such user")
MIN_PASSWORD = 8
RESERVED = {"operator", "viewer", "anonymous", "system", "service"}  # the names of callers who are not users


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    area: Area
    disabled: bool
    created_at: float

    def principal(self) -> Principal:
        return Principal(self.name, self.role, self.area, "user")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "department": self.area.department,
                "district": self.area.district, "town": self.area.town, "disabled": self.disabled}


def to_user(row: dict[str, Any]) -> User:
    return User(row["name"], row["role"], Area(row["district_code"], row["town_code"], row["department"]),
                bool(row["disabled"]), row["created_at"])


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or c in ":/\\" for c in name):
        raise BadUser("a user name is 1-64 characters without spaces, ':' or slashes")
    if name.lower() in RESERVED:
        raise BadUser(f"{name!r} names the service tokens; choose another name")
    return name


class UserBook:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, role: str, password: str, department: str | None = None,
            district: str | None = None, town: str | None = None) -> User:
        name = check_name(name)
        area = area_for(role, department, district, town)
        if len(password) < MIN_PASSWORD:
            raise BadUser(f"a password has at least {MIN_PASSWORD} characters")
        now = time.time()
        with self.db.exclusive():
            if self.db.one("SELECT name FROM people_users WHERE name = ?", (name,)):
                raise BadUser(f"user {name!r} exists")
            self.db.execute("INSERT INTO people_users (name, role, department, district_code, town_code, password_hash,"
                            " disabled, created_at, updated_at) VALUES (?,?,?,?,?,?,0,?,?)",
                            (name, role, area.department, area.district, area.town, HASHER.hash(password), now, now))
        return User(name, role, area, False, now)

    def get(self, name: str) -> User | None:
        row = self.db.one("SELECT * FROM people_users WHERE name = ?", (name,))
        return to_user(row) if row else None

    def list(self) -> list[User]:
        return [to_user(r) for r in self.db.execute("SELECT * FROM people_users ORDER BY name")]

    def any_active(self) -> bool:
        return self.db.one("SELECT name FROM people_users WHERE disabled = 0 LIMIT 1") is not None

    def disable(self, name: str) -> bool:
        """Disable a user; False when there is no such user."""
        with self.db.exclusive():
            found = self.db.execute("UPDATE people_users SET disabled = 1, updated_at = ? WHERE name = ?"
                                    " RETURNING name", (time.time(), name))
        return bool(found)

    def check_password(self, name: str, password: str) -> User | None:
        """The active user with this name and password, else None (in about the same time either way)."""
        row = self.db.one("SELECT * FROM people_users WHERE name = ?", (name,))
        try:
            HASHER.verify(row["password_hash"] if row else DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row["disabled"]:
            return None
        if HASHER.check_needs_rehash(row["password_hash"]):
            with self.db.exclusive():
                self.db.execute("UPDATE people_users SET password_hash = ? WHERE name = ?",
                                (HASHER.hash(password), name))
        return to_user(row)
