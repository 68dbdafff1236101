"""Separation of duties (hub/data/duties.yaml): each step of the case flow allowed and refused by role and area."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hub.incidents.flow import TRANSITIONS
from hub.people.duties import Refused, load_duties, parse_duties
from hub.people.scopes import Area, BadUser, Principal, area_for

DUTIES = load_duties()
PJ, TS = "440703", "440781"
CG = "蓬江区城市管理和综合执法局"


@dataclass
class Case:
    state: str
    district_code: str | None = PJ
    town_code: str | None = "440703001"
    department: str | None = CG


def user(role: str, district: str | None = None, town: str | None = None, department: str | None = None) -> Principal:
    return Principal(f"u-{role}", role, area_for(role, department, district, town))


CITY_OP, PJ_OP, TS_OP = user("city_operator"), user("district_operator", PJ), user("district_operator", TS)
TOWN_OP = user("town_operator", town="440703001")
PJ_CG, OTHER_DEPT = user("department", department=CG), user("department", department="蓬江区水利局")
INSPECTOR, LEADER, ADMIN = user("inspector"), user("leader"), user("admin")
SERVICE = Principal("operator", "service")

ALLOWED = [
    ("reported>registered", CITY_OP), ("reported>registered", PJ_OP), ("reported>registered", TOWN_OP),
    ("registered>dispatched", CITY_OP), ("registered>dispatched", PJ_OP), ("reported>rejected", PJ_OP),
    ("dispatched>in_progress", PJ_CG), ("dispatched>registered", PJ_CG), ("in_progress>verified", PJ_CG),
    ("verified>closed", INSPECTOR), ("verified>closed", CITY_OP), ("verified>dispatched", INSPECTOR),
    *[(step, SERVICE) for step in ("reported>registered", "in_progress>verified", "verified>closed")],
]
REFUSED = [  # (step, who, what the refusal says)
    ("reported>registered", PJ_CG, "not department"),  # only operators register
    ("registered>dispatched", TOWN_OP, "not town_operator"),  # … and dispatch
    ("registered>dispatched", INSPECTOR, "not inspector"),
    ("reported>registered", TS_OP, "outside"),  # another district's case
    ("dispatched>in_progress", OTHER_DEPT, "outside"),  # only the assigned department handles
    ("dispatched>in_progress", CITY_OP, "not city_operator"),
    ("in_progress>verified", CITY_OP, "not city_operator"),  # only the department marks handled
    ("in_progress>verified", INSPECTOR, "not inspector"),
    ("verified>closed", PJ_CG, "not department"),  # 核查: never the handling department
    ("verified>closed", LEADER, "not leader"), ("reported>registered", LEADER, "not leader"),
    ("reported>registered", ADMIN, "not admin"),  # admin: users only, no case actions
    ("verified>closed", PJ_OP, "not district_operator"),
]


@pytest.mark.parametrize(("step", "who"), ALLOWED, ids=[f"{s}-{w.role}" for s, w in ALLOWED])
def test_a_step_is_allowed_to_the_roles_its_row_names(step: str, who: Principal) -> None:
    state, to = step.split(">")
    assert DUTIES.check(who, Case(state), to).step == step


@pytest.mark.parametrize(("step", "who", "why"), REFUSED, ids=[f"{s}-{w.name}" for s, w, _ in REFUSED])
def test_a_step_is_refused_with_the_rule_that_refused_it(step: str, who: Principal, why: str) -> None:
    state, to = step.split(">")
    with pytest.raises(Refused) as refused:
        DUTIES.check(who, Case(state), to)
    assert why in refused.value.reason and refused.value.to_dict()["rule"]["step"] == step


def test_the_handling_department_never_verifies_even_where_a_city_lets_departments_verify() -> None:
    duties = parse_duties({"steps": {"verified>closed": {"name": "核查", "roles": ["department", "inspector"],
                                                         "not_handling_department": True}}})
    with pytest.raises(Refused, match="never done by the handling department"):
        duties.check(PJ_CG, Case("verified"), "closed")
    assert duties.check(INSPECTOR, Case("verified"), "closed").name == "核查"


def test_a_step_no_row_names_is_refused_so_a_new_state_needs_only_new_rows() -> None:
    with pytest.raises(Refused, match="no rule"):
        DUTIES.check(CITY_OP, Case("in_progress"), "postponed")
    extended = parse_duties({"steps": {"in_progress>postponed": {"name": "延期", "roles": ["department"]}}})
    assert extended.check(PJ_CG, Case("in_progress"), "postponed").name == "延期"


def test_every_step_of_the_flow_has_a_row_and_next_states_are_narrowed_to_the_role() -> None:
    for state, targets in TRANSITIONS.items():
        for to in targets:
            assert f"{state}>{to}" in DUTIES.rules, f"duties.yaml has no row for {state}>{to}"
    assert DUTIES.allowed(PJ_CG, Case("dispatched"), ["in_progress", "registered"]) == ["in_progress", "registered"]
    assert DUTIES.allowed(INSPECTOR, Case("dispatched"), ["in_progress", "registered"]) == []
    assert DUTIES.allowed(INSPECTOR, Case("verified"), ["closed", "dispatched"]) == ["closed", "dispatched"]


def test_a_role_and_its_area_must_fit() -> None:
    assert area_for("town_operator", None, None, "440703001") == Area("440703", "440703001")
    for role, department, district, town in [("district_operator", None, None, None), ("city_operator", None, PJ, None),
                                             ("department", None, PJ, None), ("town_operator", None, TS, "440703001"),
                                             ("inspector", CG, None, None), ("mayor", None, None, None),
                                             ("district_operator", None, "4407", None)]:
        with pytest.raises(BadUser):
            area_for(role, department, district, town)
    area = Area(PJ, None, CG)
    assert area.admits(PJ, "440703001", CG) and not area.admits(TS, None, CG) and not area.admits(PJ, None, "x")
