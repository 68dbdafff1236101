"""Step three: classify each event (GB/T 30428 style), then route it to its department by the
responsibility list (权责清单). Both tables are data files in `hub/data/`; changing who handles
what, where, and within how long needs no code change.

A duty row matches an event by type (fnmatch patterns) or category, and optionally by place:
district codes, town codes, grid-code prefixes, and conditions over the event's data (the
grammar of `hub.pipeline.rules`). The first matching row wins, so place-specific rows come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hub.events import Event
from hub.pipeline.rules import Condition, all_hold, event_view, parse_conditions
from hub.supervision.classes import CaseClass, class_table

DATA = Path(__file__).resolve().parents[1] / "data"
CASE_STAGES = ("reported", "verifying", "registered", "verified")
PLACES_KEPT = 65_536  # (kind, place) keys whose candidate rows a responsibility list remembers
Place = tuple[str, str | None, str | None, str | None, str | None]  # type, category, district, town, grid


@dataclass(frozen=True, slots=True)
class Duty:
    types: tuple[str, ...]
    department: str
    time_limit_h: float
    districts: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()
    grid_prefixes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    when: tuple[Condition, ...] = ()

    def covers(self, event_type: str, district: str | None, town: str | None = None, grid: str | None = None,
               category: str | None = None, view: dict[str, Any] | None = None) -> bool:
        if not (self.is_place(district, town, grid) and self.is_kind(event_type, category)):
            return False
        return not self.when or (view is not None and all_hold(self.when, view))

    def is_kind(self, event_type: str, category: str | None) -> bool:
        return any(fnmatchcase(event_type, pattern) for pattern in self.types) or bool(
            category and any(fnmatchcase(category, pattern) for pattern in self.categories))

    def is_place(self, district: str | None, town: str | None, grid: str | None) -> bool:
        return ((not self.districts or district in self.districts) and (not self.towns or town in self.towns)
                and (not self.grid_prefixes or bool(grid and grid.startswith(self.grid_prefixes))))


@dataclass(frozen=True)
class ResponsibilityList:
    duties: tuple[Duty, ...]
    stage_limits_h: dict[str, float] = field(default_factory=dict)  # 受理/立案/核查 limits of the case flow
    escalate_to: str = "江门市城市运行管理中心"
    # rows whose types/categories match, by (type, category): fnmatch once per kind, not once per event
    _of_kind: dict[tuple[str, str | None], tuple[Duty, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # the rows that may cover an event, by (type, category, district, town, grid): see `_rows_at`
    _at_place: dict[Place, tuple[Duty, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.duties)

    def __len__(self) -> int:
        return len(self.duties)

    def duty_for(self, event_type: str, district: str | None = None, town: str | None = None,
                 grid: str | None = None, category: str | None = None,
                 view: dict[str, Any] | None = None) -> Duty | None:
        return next((d for d in self.duties if d.covers(event_type, district, town, grid, category, view)), None)

    def duty_of(self, event: Event) -> Duty | None:
        """The first row covering the event; its data view is built only for rows with conditions."""
        hub = event.hub
        assert hub is not None
        at = (event.ce["type"], hub.category, hub.district_code, hub.town_code, hub.grid_code)
        rows = self._at_place.get(at)
        if rows is None:
            rows = self._rows_at(at)
        view: dict[str, Any] | None = None
        for duty in rows:
            if not duty.when:
                return duty
            if view is None:
                view = event_view(event)
            if all_hold(duty.when, view):
                return duty
        return None

    def _rows_at(self, at: Place) -> tuple[Duty, ...]:
        """The rows of a kind at a place, in order, up to the first without conditions (none after it can win):
        fnmatch once per kind and the place's tests once per place, not once per event."""
        kind = at[:2]
        of_kind = self._of_kind.get(kind)
        if of_kind is None:
            of_kind = self._of_kind[kind] = tuple(d for d in self.duties if d.is_kind(*kind))
        rows = []
        for duty in of_kind:
            if duty.is_place(*at[2:]):
                rows.append(duty)
                if not duty.when:
                    break
        if len(self._at_place) >= PLACES_KEPT:
            self._at_place.clear()
        found = self._at_place[at] = tuple(rows)
        return found

    def stage_limit_h(self, state: str) -> float | None:
        return self.stage_limits_h.get(state)


def categories(path: Path = DATA / "categories.yaml") -> Mapping[str, Mapping[str, Any]]:
    """Each event type's class (GB/T 30428.2 code), its name, default severity and plan items."""
    return class_table(path).types


def _duty(row: dict[str, Any], where: str) -> Duty:
    try:
        return Duty(tuple(row.get("types", ())), str(row["department"]), float(row["time_limit_h"]),
                    frozenset(str(c) for c in row.get("districts", ())),
                    frozenset(str(c) for c in row.get("towns", ())),
                    tuple(str(p) for p in row.get("grid_prefixes", ())), tuple(row.get("categories", ())),
                    parse_conditions(row.get("when")))
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{where}: {type(err).__name__}: {err}") from None


def parse_responsibility_list(doc: Any, origin: str = "responsibility list") -> ResponsibilityList:
    rows = doc.get("duties") if isinstance(doc, dict) else doc  # the bare list of the first version still reads
    if not isinstance(rows, list):
        raise ValueError(f"{origin}: expected 'duties:' with a list of rows")
    duties = tuple(_duty(row, f"{origin} row {i}") for i, row in enumerate(rows))
    meta = doc if isinstance(doc, dict) else {}
    limits = {str(k): float(v) for k, v in (meta.get("stage_limits_h") or {}).items()}
    unknown = set(limits) - set(CASE_STAGES)
    if unknown:
        raise ValueError(f"{origin}: stage_limits_h for unknown stages {sorted(unknown)}; stages: {CASE_STAGES}")
    return ResponsibilityList(duties, limits, str(meta.get("escalate_to", "江门市城市运行管理中心")))


@cache
def responsibility_list(path: Path = DATA / "responsibility_list.yaml") -> ResponsibilityList:
    return parse_responsibility_list(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


def duty_for(event_type: str, district: str | None, duties: ResponsibilityList | tuple[Duty, ...],
             town: str | None = None, grid: str | None = None) -> Duty | None:
    return next((d for d in duties if d.covers(event_type, district, town, grid)), None)


def classify_and_route(events: list[Event], duties: ResponsibilityList | None = None) -> None:
    """Class and department of each event: by its type and place (the responsibility list), except that
    a report whose reporter chose a case class (its data's `category`) goes by that class's
    responsible department at the place and carries its 处置时限 (in nominal hours)."""
    classes, duties = class_table(), duties or responsibility_list()
    kinds: dict[str, Kind] = {}  # the class of each event type, read once per batch
    chosen_of: dict[str, CaseClass | None] = {}  # the class of each chosen category text, found once per batch
    for event in events:
        hub = event.hub
        assert hub is not None
        ce = event.ce
        event_type = ce["type"]
        kind = kinds.get(event_type)
        if kind is None:
            kind = kinds[event_type] = _kind(classes.types.get(event_type, {}))
        hub.category, hub.category_name, severity, plan_items = kind
        hub.severity = max(hub.severity, severity)
        hub.plan_items = list(plan_items)
        data = ce.get("data")
        reported = data.get("category") if isinstance(data, dict) else None
        if reported is None:
            chosen = None
        elif isinstance(reported, str):
            if reported not in chosen_of:
                chosen_of[reported] = classes.of_report(reported)
            chosen = chosen_of[reported]
        else:
            chosen = classes.of_report(reported)
        if chosen is not None:
            hub.category, hub.category_name = chosen.code, chosen.full_name
            hub.department = chosen.department_at(hub.district_code, hub.town_code)
            hub.time_limit_h = chosen.limit.seconds / 3600
            continue
        duty = duties.duty_of(event)
        if duty:
            hub.department, hub.time_limit_h = duty.department, duty.time_limit_h


Kind = tuple[str | None, str | None, int, tuple[str, ...]]  # category, its name, default severity, plan items


def _kind(row: Mapping[str, Any]) -> Kind:
    return (row.get("category"), row.get("category_name"), int(row.get("severity", 0)),
            tuple(row.get("plan_items", ())))
