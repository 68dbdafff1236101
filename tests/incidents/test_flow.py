"""The case flow as a state machine: allowed and refused steps, deadlines per state."""

from __future__ import annotations

import itertools

import pytest

from hub.incidents.flow import FINAL, STATES, TRANSITIONS, InvalidTransition, check_transition, due_at

LIMITS = {"reported": 0.5, "registered": 0.5, "verified": 2}


def test_the_happy_path_from_report_to_close() -> None:
    path = ["reported", "registered", "dispatched", "in_progress", "verified", "closed"]
    for here, there in itertools.pairwise(path):
        check_transition(here, there)


@pytest.mark.parametrize(("here", "there"), [
    ("reported", "dispatched"), ("reported", "closed"), ("registered", "in_progress"),
    ("in_progress", "closed"), ("closed", "reported"), ("rejected", "registered"), ("verified", "rejected"),
])
def test_skipping_or_reopening_is_refused_with_what_is_allowed(here: str, there: str) -> None:
    with pytest.raises(InvalidTransition, match=f"cannot go from {here}"):
        check_transition(here, there)


def test_unknown_states_are_refused() -> None:
    with pytest.raises(InvalidTransition, match="unknown state 'done'"):
        check_transition("reported", "done")


def test_every_state_is_reachable_and_final_states_have_no_way_out() -> None:
    reached = {"reported"}
    for _ in STATES:
        reached |= {t for s in reached for t in TRANSITIONS[s]}
    assert reached == set(STATES)
    assert all(TRANSITIONS[s] == () for s in FINAL)


def test_deadlines_come_from_the_stage_limits_and_the_department_time_limit() -> None:
    assert due_at("reported", 1000.0, None, 2, LIMITS) == 1000 + 1800
    assert due_at("dispatched", 5000.0, 5000.0, 2, LIMITS) == 5000 + 7200
    assert due_at("in_progress", 6000.0, 5000.0, 2, LIMITS) == 5000 + 7200  # counted from dispatch
    assert due_at("verified", 9000.0, 5000.0, 2, LIMITS) == 9000 + 7200
    assert due_at("closed", 9000.0, 5000.0, 2, LIMITS) is None
    assert due_at("in_progress", 6000.0, 5000.0, None, LIMITS) is None


def test_incident_times_are_beijing_time_cut_to_the_second() -> None:
    from hub.incidents.views import iso

    assert iso(None) is None
    assert iso(1795790000.999) == "2026-11-27T22:33:20+08:00"  # cut, not rounded
    assert iso(1795790000.0) == iso(1795790000.5) == "2026-11-27T22:33:20+08:00"
    assert iso(-1.5) == "1970-01-01T07:59:58+08:00"
