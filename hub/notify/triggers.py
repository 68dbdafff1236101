"""The notification book (`hub/data/notifications.yaml`): triggers, recipients, who gets what, and the
Chinese templates. Pure code: `NoticeBook.notices(trigger, key, context)` says which notices a trigger
makes; writing them is the outbox's."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hub.notify.outbox import Notice

DATA = Path(__file__).resolve().parent.parent / "data" / "notifications.yaml"
CHANNELS = ("email", "sms", "webhook")
ROLES = ("operator", "supervisor", "department", "district", "town")
# a named user's role (hub/people) → the role they are notified as
PERSON_ROLES = {"city_operator": "operator", "district_operator": "district", "town_operator": "town",
                "department": "department", "inspector": "supervisor", "leader": "supervisor"}


class BookError(ValueError):
    """A notifications file that cannot be used, with where in it."""


@dataclass(frozen=True, slots=True)
class Trigger:
    id: str
    name: str
    to: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str
    name: str
    role: str
    channels: Mapping[str, str]
    department: str | None = None
    district: str | None = None
    town: str | None = None
    triggers: frozenset[str] | None = None  # None: every trigger its place and role bring
    only: Mapping[str, frozenset[str]] = field(default_factory=dict)  # channel → the triggers it carries

    def takes(self, trigger: str, channel: str) -> bool:
        allowed = self.only.get(channel)
        return (self.triggers is None or trigger in self.triggers) and (allowed is None or trigger in allowed)


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def render(template: str, context: Mapping[str, Any]) -> str:
    values = _Blank({k: "—" if v is None or v == "" else v for k, v in context.items()})
    return string.Formatter().vformat(template, (), values)


def selected(selector: str, r: Recipient, ctx: Mapping[str, Any]) -> bool:
    district, town = ctx.get("district_code"), ctx.get("town_code")
    if selector == "department":
        return r.department is not None and r.department == ctx.get("department")
    if selector == "district":
        return r.role == "district" and r.district is not None and r.district == district
    if selector == "town":
        return r.role == "town" and r.town is not None and r.town == town
    kind, _, arg = selector.partition(":")
    if kind == "role":
        return r.role == arg
    if kind == "area":
        if r.role not in arg.split(","):
            return False
        if r.district is None:  # city-wide
            return True
        return r.district == district and (town is None or r.town is None or r.town == town)
    return False


@dataclass(frozen=True, slots=True)
class NoticeBook:
    triggers: Mapping[str, Trigger]
    recipients: tuple[Recipient, ...]
    alarm_after_failures: int = 5
    max_attempts: int = 10
    first_retry_s: float = 10
    max_retry_s: float = 1800
    deadline_share: float = 0.8

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)

    def receivers(self, trigger: str, context: Mapping[str, Any], people: Iterable[Recipient] = ()) -> list[Recipient]:
        rule = self.triggers[trigger]
        return [r for r in (*self.recipients, *people) if any(selected(s, r, context) for s in rule.to)]

    def notices(self, trigger: str, key: str, context: Mapping[str, Any], channels: Iterable[str],
                preferences: Mapping[tuple[str, str], tuple[bool, str | None]] | None = None,
                incident_id: int | None = None, people: Iterable[Recipient] = ()) -> list[Notice]:
        """The notices of one trigger: per receiver and per channel it has, the channel configured
        (`channels`) and not switched off by the receiver (`preferences`: (recipient, channel) →
        (enabled, address or None)); `people` are named users who gave their own addresses."""
        rule = self.triggers.get(trigger)
        if rule is None:
            raise KeyError(f"no trigger {trigger!r} in the notifications file")
        usable, preferences = set(channels), preferences or {}
        subject = render(rule.subject, context)
        out = []
        for r in self.receivers(trigger, context, people):
            text = render(rule.body, {**context, "recipient": r.name})
            for channel, address in r.channels.items():
                enabled, changed = preferences.get((r.id, channel), (True, None))
                if channel in usable and enabled and r.takes(trigger, channel):
                    out.append(Notice(f"{key}/{r.id}/{channel}", trigger, channel, r.id, changed or address,
                                      subject, text, incident_id))
        return out


def person(name: str, role: str, department: str | None, district: str | None, town: str | None,
           channels: Mapping[str, str]) -> Recipient:
    """A named user of the platform as a recipient (id `user:<name>`), notified for their role and area."""
    return Recipient(f"user:{name}", name, PERSON_ROLES.get(role, "supervisor"), dict(channels), department,
                     district or (town[:6] if town else None), town)


def parse_book(doc: Mapping[str, Any], where: str) -> NoticeBook:
    if not isinstance(doc, Mapping):
        raise BookError(f"{where}: expected a mapping with triggers and recipients")
    triggers: dict[str, Trigger] = {}
    for tid, row in (doc.get("triggers") or {}).items():
        try:
            to = tuple(str(s) for s in row["to"])
            for s in to:
                kind, _, arg = s.partition(":")
                if s not in ("department", "district", "town") and not (
                        kind in ("role", "area") and all(a in ROLES for a in arg.split(","))):
                    raise BookError(f"unknown `to` entry {s!r}")
            triggers[str(tid)] = Trigger(str(tid), str(row.get("name", tid)), to, str(row["subject"]),
                                         str(row["body"]))
        except (KeyError, TypeError, BookError) as err:
            raise BookError(f"{where}: trigger {tid}: {err}") from None
    recipients = []
    for n, row in enumerate(doc.get("recipients") or [], 1):
        try:
            channels = {str(c): str(a) for c, a in (row.get("channels") or {}).items()}
            if unknown := set(channels) - set(CHANNELS):
                raise BookError(f"unknown channel(s) {sorted(unknown)}; channels: {', '.join(CHANNELS)}")
            if row["role"] not in ROLES:
                raise BookError(f"role must be one of {', '.join(ROLES)}")
            named = row.get("triggers")
            if unknown := set(named or []) - set(triggers):
                raise BookError(f"unknown trigger(s) {sorted(unknown)}")
            recipients.append(Recipient(
                str(row["id"]), str(row.get("name", row["id"])), str(row["role"]), channels,
                row.get("department"), _code(row.get("district")), _code(row.get("town")),
                frozenset(named) if named is not None else None,
                {str(c): frozenset(t) for c, t in (row.get("only") or {}).items()}))
        except (KeyError, TypeError, AttributeError, BookError) as err:
            raise BookError(f"{where}: recipient {n} ({row.get('id') if isinstance(row, dict) else row}): "
                            f"{err}") from None
    if len({r.id for r in recipients}) != len(recipients):
        raise BookError(f"{where}: recipient ids must be unique")
    return NoticeBook(triggers, tuple(recipients), int(doc.get("alarm_after_failures", 5)),
                      int(doc.get("max_attempts", 10)), float(doc.get("first_retry_s", 10)),
                      float(doc.get("max_retry_s", 1800)), float(doc.get("deadline_share", 0.8)))


def _code(value: Any) -> str | None:
    return None if value is None else str(value)


@cache
def load_book(path: Path = DATA) -> NoticeBook:
    return parse_book(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
