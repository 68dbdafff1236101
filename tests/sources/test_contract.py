"""Every registered adapter has a schema for each of its types, a simulator and golden fixtures; every
golden pair maps exactly; every event passes the hub's own decode check (envelope, data schema, origin)."""

from __future__ import annotations

import pytest

from adapters.base import Adapter
from adapters.registry import ADAPTERS
from hub import schemas
from hub.pipeline.decode import Rejected
from simulators.registry import SIMULATORS
from tests.sources.conftest import FIXTURES, adapt_all, expected, golden_pairs, hub_accepts

ALL = sorted(ADAPTERS.values(), key=lambda a: a.name)
PAIRS = [(a, raw, exp) for a in ALL for raw, exp in golden_pairs(a)]
PLAN_DOMAINS = {"weather", "grid", "emergency", "fire", "water", "env", "iot", "construction", "vehicle", "parking",
                "traffic", "hotline", "video"}


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
def test_every_adapter_has_schema_simulator_and_fixtures(adapter: Adapter) -> None:
    known = set(schemas.event_types())
    for event_type in adapter.event_types:
        assert event_type in known, f"{adapter.name}: no schemas/{event_type}.json"
        assert event_type.split(".")[1] == adapter.domain, f"{event_type} is not of domain {adapter.domain}"
    simulator = SIMULATORS.get(adapter.simulator)
    assert simulator is not None and simulator.adapter == adapter.name, f"{adapter.name}: no simulator"
    pairs = golden_pairs(adapter)
    assert pairs, f"{adapter.name}: no golden fixtures in {FIXTURES / adapter.name}"
    assert all(exp.exists() for _, exp in pairs), f"{adapter.name}: a .raw without its .expected.json"
    produced = {e["type"] for _, exp in pairs for e in expected(exp)}
    assert produced == set(adapter.event_types), f"{adapter.name}: fixtures cover {produced}"


def test_the_registry_covers_every_domain_of_the_plan() -> None:
    assert {a.domain for a in ALL} == PLAN_DOMAINS
    assert len({a.topic for a in ALL}) == len(ALL), "two adapters publish on one topic"
    assert set(SIMULATORS) == set(ADAPTERS)


@pytest.mark.parametrize(("adapter", "raw", "exp"), PAIRS, ids=[f"{a.name}/{r.stem}" for a, r, _ in PAIRS])
def test_golden_pair(adapter: Adapter, raw: object, exp: object) -> None:
    events = adapt_all(adapter, raw.read_bytes())  # type: ignore[attr-defined]
    assert events == expected(exp)  # type: ignore[arg-type]
    for event in events:
        assert event["type"] in adapter.event_types
        assert event["source"].startswith(f"/jiangmen/{adapter.domain}/{adapter.system}/")
        try:
            hub_accepts(adapter, event)
        except Rejected as reason:
            pytest.fail(f"the hub rejects {event['id']}: {reason}")
