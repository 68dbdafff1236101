"""The simulated departments' handling times: drawn as shares of the class's 处置时限, counted on the
class's own clock, late and returned in the shares of their profiles, the same for the same seed."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from hub.supervision.classes import class_table
from hub.supervision.worktime import BEIJING, Limit, work_clock
from simulators.staff import Case, Staff
from simulators.staff_profiles import Profile, act_at, extension_hours, habits, handled_at, handling_share, parse_habits

FRIDAY_5PM = datetime(2026, 6, 5, 17, 0, tzinfo=BEIJING).timestamp()
STREET = "白沙街道综合行政执法办公室"


def test_the_late_share_of_the_draws_is_the_profiles() -> None:
    profile = Profile(median=0.5, late=0.12, returned=0.0, parked=0.0, extension=0.0, rework=0.0)
    shares = sorted(handling_share(random.Random(seed), profile) for seed in range(4000))
    late = sum(s > 1 for s in shares) / len(shares)
    assert late == pytest.approx(0.12, abs=0.02)
    assert shares[len(shares) // 2] == pytest.approx(0.5, rel=0.08)
    assert min(shares) > 0


def test_the_same_seed_draws_the_same_times() -> None:
    profile = habits().profile(STREET)
    assert [handling_share(random.Random(9), profile) for _ in range(3)] == \
        [handling_share(random.Random(9), profile) for _ in range(3)]


def test_a_working_hours_limit_counts_in_the_next_weeks_windows() -> None:
    # 2 of 4 working hours from Friday 17:00: half an hour on Friday, 1.5 h from Monday 08:30
    at = handled_at(FRIDAY_5PM, Limit(4, "wh"), 0.5)
    assert datetime.fromtimestamp(at, BEIJING) == datetime(2026, 6, 8, 10, 0, tzinfo=BEIJING)
    assert handled_at(FRIDAY_5PM, Limit(2, "h"), 0.5) == FRIDAY_5PM + 3600  # an urgent class: natural time
    assert extension_hours(FRIDAY_5PM, at) == 2.0


def test_pace_compresses_time_on_the_drawn_side_of_the_deadline() -> None:
    assert act_at(0.0, 1000.0, 500.0, 0.01) == 5.0  # on time: early, compressed
    assert 1000.0 < act_at(0.0, 1000.0, 1500.0, 0.01) == 1005.0  # late: only once the deadline has passed
    assert act_at(0.0, 1000.0, 1500.0, 1.0) == 1500.0  # pace 1: the drawn instant itself


def test_departments_plans_keep_the_class_limit_and_the_profiles_shares() -> None:
    case_class = class_table().classes["事件/0501"]  # 无照经营游商, 4 working hours
    due = work_clock().due_seconds(FRIDAY_5PM, case_class.limit)
    case = Case(1, "dispatched", FRIDAY_5PM, STREET, f"{case_class.full_name} 白沙大道", "city.grid.case",
                FRIDAY_5PM, due)
    profile = habits().profile(STREET)
    plans = [Staff(desk=None, seed=seed).plan(case) for seed in range(1500)]  # type: ignore[arg-type]
    outcomes = [p.outcome for p in plans]
    assert outcomes.count("return") / len(plans) == pytest.approx(profile.returned, abs=0.02)
    assert outcomes.count("park") / len(plans) == pytest.approx(profile.parked, abs=0.02)
    late = [p for p in plans if p.handled > due]
    assert len(late) / len(plans) == pytest.approx(profile.late, abs=0.03)
    assert all(p.extension_wh is None or p.handled > due for p in plans)  # only a late case asks for time
    assert 0 < sum(p.extension_wh is not None for p in late) < len(late)
    assert min(p.handled for p in plans) > FRIDAY_5PM


def test_a_profile_whose_shares_cannot_hold_is_refused() -> None:
    row = {"median": 0.5, "late": 0.6, "returned": 0.1, "parked": 0.0, "extension": 0.0, "rework": 0.0}
    with pytest.raises(ValueError, match="late in"):
        parse_habits({"centre": {}, "departments": {"*": row}})
    with pytest.raises(ValueError, match="needs exactly"):
        parse_habits({"centre": {}, "departments": {"*": {"median": 0.5}}})
