"""One check of every source's declaration, as Home Assistant's hassfest checks its integrations.

A source system declares itself in its adapter module (`ADAPTER`: name, domain, system, event types,
simulator); the registries are discovered from the modules. What the declaration names must exist —
its simulator, a schema and a category for each event type, golden fixtures, its device fleet — and
nothing may exist for a source that no adapter declares.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from adapters.base import Adapter
from adapters.registry import ADAPTERS
from hub import schemas
from hub.pipeline.routing import categories
from maps.device_fleets import FLEETS
from simulators.registry import SIMULATORS
from tests.sources.conftest import FIXTURES, golden_pairs

ALL = sorted(ADAPTERS.values(), key=lambda a: a.name)
DECLARED_TYPES = {t for a in ALL for t in a.event_types}


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
def test_what_a_declaration_names_exists(adapter: Adapter) -> None:
    simulator = SIMULATORS.get(adapter.simulator)
    assert simulator is not None, f"{adapter.name}: no simulator {adapter.simulator!r} in simulators/"
    assert simulator.adapter == adapter.name, f"{adapter.name}: simulator {simulator.name} feeds {simulator.adapter}"
    known = set(schemas.event_types())
    for event_type in adapter.event_types:
        assert event_type in known, f"{adapter.name}: no schemas/{event_type}.json"
        assert event_type in categories(), f"{adapter.name}: {event_type} has no category in hub/data/categories.yaml"
    assert golden_pairs(adapter), f"{adapter.name}: no golden fixtures in {FIXTURES / adapter.name}"
    assert any(f.adapter == adapter.name for f in FLEETS), f"{adapter.name}: no fleet in maps/device_fleets.py"


def test_names_topics_and_sources_are_unique() -> None:
    topics = Counter(a.topic for a in ALL)
    assert not [t for t, n in topics.items() if n > 1], f"topics shared by two adapters: {topics}"
    assert len({a.simulator for a in ALL}) == len(ALL), "two adapters name one simulator"


def test_nothing_exists_for_a_source_no_adapter_declares() -> None:
    assert set(SIMULATORS) <= set(ADAPTERS), f"simulators without an adapter: {set(SIMULATORS) - set(ADAPTERS)}"
    fleets = {f.adapter for f in FLEETS}
    assert fleets <= set(ADAPTERS), f"fleets without an adapter: {fleets - set(ADAPTERS)}"
    golden = {p.name for p in Path(FIXTURES).iterdir() if p.is_dir() and any(p.glob("*.expected.json"))}
    assert golden <= set(ADAPTERS), f"golden fixtures without an adapter: {golden - set(ADAPTERS)}"
    orphan_categories = set(categories()) - DECLARED_TYPES
    assert not orphan_categories, f"categories of types no adapter emits: {orphan_categories}"
