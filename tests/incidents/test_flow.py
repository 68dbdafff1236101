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


# ── named steps, posts and reasons (核实, 延期, 挂账, 回退, 返工) ──
from hub.incidents.flow import STEP_NAMES, STEPS, STEPS_FROM, check_step, resolve_step  # noqa: E402


def test_step_names_are_stable() -> None:  # the API, the page and duty tables key by them
    assert STEP_NAMES == ("register", "send_to_verify", "confirm", "refute", "reject", "dispatch", "accept",
                          "return", "request_extension", "approve_extension", "refuse_extension",
                          "request_parking", "approve_parking", "refuse_parking", "unpark", "finish", "close",
                          "rework")


@pytest.mark.parametrize("name", STEP_NAMES)
def test_each_step_is_allowed_to_its_posts_from_its_states_and_refused_otherwise(name: str) -> None:
    step = STEPS[name]
    for state in STATES:
        if state in step.sources:
            assert resolve_step(state, step=name) is step
        else:
            with pytest.raises(InvalidTransition, match=f"cannot {name}"):
                resolve_step(state, step=name)
    reason = "理由" if step.needs_reason else ""
    for post in ("inspector", "intake", "shift_lead", "dispatcher", "department"):
        if post in step.posts:
            check_step(step, post, reason)
        else:
            with pytest.raises(InvalidTransition, match=f"may not {name}"):
                check_step(step, post, reason)
    check_step(step, "operator", reason)
    if step.needs_reason:
        with pytest.raises(InvalidTransition, match="needs a reason"):
            check_step(step, step.posts[0], "  ")


def test_a_state_names_a_step_only_when_one_leads_there() -> None:
    assert resolve_step("verifying", "registered").name == "confirm"
    assert resolve_step("verified", "dispatched").name == "rework"
    with pytest.raises(InvalidTransition, match="approve_extension, refuse_extension"):
        resolve_step("extension_requested", "in_progress")
    with pytest.raises(InvalidTransition, match="goes to in_progress"):
        resolve_step("extension_requested", "parked", step="approve_extension")
    with pytest.raises(InvalidTransition, match="unknown step"):
        resolve_step("reported", step="escalate")
    assert set(STEPS_FROM["in_progress"]) == {"request_extension", "request_parking", "finish"}


def test_handling_deadlines_count_working_time_and_extensions() -> None:
    from datetime import datetime

    from hub.supervision.worktime import parse_limit
    from tests.incidents.factory import CHINA

    friday_16 = datetime(2026, 5, 29, 16, 0, tzinfo=CHINA).timestamp()
    monday_9 = datetime(2026, 6, 1, 9, 0, tzinfo=CHINA).timestamp()  # 1.5 h on Friday, 0.5 h on Monday
    assert due_at("dispatched", friday_16, friday_16, None, LIMITS, parse_limit("2wh")) == monday_9
    assert due_at("in_progress", friday_16, friday_16, None, LIMITS, parse_limit("2wh"), 1) == monday_9 + 3600
    assert due_at("parked", friday_16, friday_16, None, LIMITS, parse_limit("2wh")) is None
    assert due_at("dispatched", friday_16, friday_16, None, LIMITS, parse_limit("24h")) == friday_16 + 86400
