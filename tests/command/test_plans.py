"""The response plans file: valid as shipped, and bad plans refused with where and why."""

from __future__ import annotations

import pytest

from hub.command.plans import PlanError, load_plans, parse_plans
from hub.command.resources import city_registry
from hub.incidents.related import load_related


def test_shipped_plans_name_known_groups_capabilities_and_sites() -> None:
    reg = city_registry()
    plans = load_plans(capabilities=reg.capabilities, site_kinds=reg.site_kinds)
    groups = {g.id for g in load_related().groups}
    assert set(plans) <= groups and {"fire", "hazmat", "flood"} <= set(plans)
    fire = plans["fire"]
    assert dict(fire.level_for(1).send) == {"engine": 2, "ladder": 1}
    assert dict(fire.level_for(4).send)["engine"] == 3
    assert dict(plans["hazmat"].level_for(0).send) == {"hazmat": 1, "engine": 2, "ambulance": 1}


@pytest.mark.parametrize(("raw", "reason"), [
    ({}, "needs a list"),
    ({"plans": [{"group": "fire", "levels": [{"send": {}}]}]}, "positive counts"),
    ({"plans": [{"group": "fire", "levels": [{"send": {"boat": 1}}]}]}, "unknown capabilities"),
    ({"plans": [{"group": "fire", "levels": [{"send": {"engine": 1}, "check": ["castle"]}]}]}, "unknown site kinds"),
    ({"plans": [{"group": "fire", "levels": [{"send": {"engine": 1}, "min_severity": 3},
                                             {"send": {"engine": 2}, "min_severity": 1}]}]}, "rising"),
    ({"plans": [{"group": "fire", "levels": [{"send": {"engine": 1}}]}] * 2}, "two plans"),
])
def test_bad_plans_are_refused_with_the_reason(raw: object, reason: str) -> None:
    with pytest.raises(PlanError, match=reason):
        parse_plans(raw, "plans.yaml", capabilities={"engine"}, site_kinds={"hospital"})
