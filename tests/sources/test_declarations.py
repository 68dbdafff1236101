"""One check of every source's declaration, as Home Assistant's hassfest checks its integrations.

A source system declares itself in its adapter module (`ADAPTER`: name, domain, system, event types,
simulator, the case class each event type raises, its device fleets); the registries, the class
table's event types and the device registry's fleets are read from the declarations. What a
declaration names must exist — its simulator, a schema for each event type, a class in
hub/data/categories.yaml, golden fixtures, fleets that build — and nothing may exist for a source that
no adapter declares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.base import DEVICE_ID, Adapter
from adapters.declaration import ANCHORS, DISTRICT_NAMES, REPORTS, Fleet
from adapters.registry import ADAPTERS
from hub import schemas
from hub.supervision.classes import class_table
from maps.device_fleets import DRAW_ORDER, FLEETS
from simulators.registry import SIMULATORS
from tests.sources.conftest import FIXTURES, golden_pairs

ALL = sorted(ADAPTERS.values(), key=lambda a: a.name)
CITY = "440700"


def fleet_problems(fleet: Fleet) -> list[str]:
    """What keeps `fleet` from building into the device registry (maps/build_device_registry.py)."""
    problems = [f"unknown anchor {a!r}" for a in fleet.anchors if a not in ANCHORS]
    problems += [f"anchor {a!r} has weight {w}" for a, w in fleet.anchors.items() if w <= 0]
    if fleet.count < 0 or (fleet.count > 0) != bool(fleet.anchors):
        problems.append(f"count {fleet.count} with {len(fleet.anchors)} anchors (0 devices: one per seat, no anchors)")
    if fleet.reports not in REPORTS:
        problems.append(f"reports {fleet.reports!r} is not one of {REPORTS}")
    if isinstance(fleet.department, dict) and not {*DISTRICT_NAMES, CITY} <= set(fleet.department):
        problems.append(f"department has no row for {sorted({*DISTRICT_NAMES, CITY} - set(fleet.department))}")
    for district in (*DISTRICT_NAMES, CITY):
        names = {"district": district, "d2": district[-2:], "n": 1, "district_name": DISTRICT_NAMES.get(district, "")}
        try:
            device_id, _ = fleet.id_format.format(**names), fleet.name_format.format(**names)
        except (KeyError, IndexError, ValueError) as err:
            return [*problems, f"id or name format: {type(err).__name__} {err}"]
        if not DEVICE_ID.fullmatch(device_id):
            problems.append(f"device id {device_id!r} is not usable in a source URI")
    return problems


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
def test_what_a_declaration_names_exists(adapter: Adapter) -> None:
    simulator = SIMULATORS.get(adapter.simulator)
    assert simulator is not None, f"{adapter.name}: no simulator {adapter.simulator!r} in simulators/"
    assert simulator.adapter == adapter.name, f"{adapter.name}: simulator {simulator.name} feeds {simulator.adapter}"
    known, classes = set(schemas.event_types()), class_table().classes
    for event_type in adapter.event_types:
        assert event_type in known, f"{adapter.name}: no schemas/{event_type}.json"
        raised = adapter.raises.get(event_type)
        assert raised is not None, f"{adapter.name}: raises no case class for {event_type}"
        assert raised.category in classes, f"{adapter.name}: {event_type} raises {raised.category!r}, not a class in" \
                                           " hub/data/categories.yaml"
        assert 0 <= raised.severity <= 4, f"{adapter.name}: {event_type} severity {raised.severity} outside 0..4"
    assert set(adapter.raises) <= set(adapter.event_types), f"{adapter.name}: raises for types it does not emit"
    assert golden_pairs(adapter), f"{adapter.name}: no golden fixtures in {FIXTURES / adapter.name}"
    assert adapter.fleets, f"{adapter.name}: declares no device fleet"
    for fleet in adapter.fleets:
        assert not fleet.adapter, f"{adapter.name}: a fleet's adapter is its declaration's, not named again"
        assert not fleet_problems(fleet), f"{adapter.name} fleet {fleet.kind}: {fleet_problems(fleet)}"


@pytest.mark.parametrize(("change", "problem"), [
    ({"anchors": {"nowhere": 1}}, "unknown anchor"),
    ({"count": 0}, "count 0 with 1 anchors"),
    ({"reports": "gps"}, "reports 'gps'"),
    ({"department": {"440703": "x"}}, "department has no row"),
    ({"id_format": "X-{street}"}, "KeyError"),
    ({"id_format": "X {n}"}, "not usable in a source URI"),
])
def test_a_fleet_that_cannot_build_is_refused(change: dict[str, object], problem: str) -> None:
    good = Fleet("thing", 2, {"pengjiang": 1}, "江门市某局", "T-{district}-{n:03d}", "某物{n}号")
    assert fleet_problems(good) == []
    assert any(problem in p for p in fleet_problems(replace(good, **change)))  # type: ignore[arg-type]


def test_names_topics_and_sources_are_unique() -> None:
    topics = Counter(a.topic for a in ALL)
    assert not [t for t, n in topics.items() if n > 1], f"topics shared by two adapters: {topics}"
    assert len({a.simulator for a in ALL}) == len(ALL), "two adapters name one simulator"
    raised = Counter(t for a in ALL for t in a.raises)
    assert not [t for t, n in raised.items() if n > 1], f"event types two adapters raise cases for: {raised}"


def test_the_registry_draws_every_declared_fleet() -> None:
    assert Counter(f.adapter for f in FLEETS) == Counter({a.name: len(a.fleets) for a in ALL})
    assert set(DRAW_ORDER) <= set(ADAPTERS), f"DRAW_ORDER names no adapter: {set(DRAW_ORDER) - set(ADAPTERS)}"


def test_nothing_exists_for_a_source_no_adapter_declares() -> None:
    assert set(SIMULATORS) <= set(ADAPTERS), f"simulators without an adapter: {set(SIMULATORS) - set(ADAPTERS)}"
    golden = {p.name for p in Path(FIXTURES).iterdir() if p.is_dir() and any(p.glob("*.expected.json"))}
    assert golden <= set(ADAPTERS), f"golden fixtures without an adapter: {golden - set(ADAPTERS)}"
