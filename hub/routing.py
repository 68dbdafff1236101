"""Step three: classify each event (GB/T 30428 style), then route it to its department by the
responsibility list (权责清单). Both tables are data files in `hub/data/`."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hub.events import Event

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Duty:
    types: tuple[str, ...]
    department: str
    time_limit_h: float
    districts: frozenset[str] = frozenset()

    def covers(self, event_type: str, district: str | None) -> bool:
        if self.districts and district not in self.districts:
            return False
        return any(fnmatchcase(event_type, pattern) for pattern in self.types)


@cache
def categories(path: Path = DATA / "categories.yaml") -> dict[str, dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def responsibility_list(path: Path = DATA / "responsibility_list.yaml") -> tuple[Duty, ...]:
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        Duty(tuple(r["types"]), r["department"], float(r["time_limit_h"]), frozenset(r.get("districts", ())))
        for r in rows
    )


def duty_for(event_type: str, district: str | None, duties: tuple[Duty, ...]) -> Duty | None:
    return next((d for d in duties if d.covers(event_type, district)), None)


def classify_and_route(events: list[Event]) -> None:
    table, duties = categories(), responsibility_list()
    for event in events:
        hub = event.hub
        assert hub is not None
        kind = table.get(event.ce["type"], {})
        hub.category = kind.get("category")
        hub.category_name = kind.get("category_name")
        hub.severity = max(hub.severity, int(kind.get("severity", 0)))
        hub.plan_items = list(kind.get("plan_items", ()))
        duty = duty_for(event.ce["type"], hub.district_code, duties)
        if duty:
            hub.department, hub.time_limit_h = duty.department, duty.time_limit_h
