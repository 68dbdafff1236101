"""Working-time arithmetic across the 2025 National Day week (Oct 1–8 off; Sun Sep 28 and Sat Oct 11
are make-up working days, 调休), outside-hours starts, extensions and natural-clock limits."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from hub.supervision.worktime import (
    BEIJING,
    Limit,
    UnknownYear,
    WorkClock,
    is_working_day,
    parse_limit,
    parse_windows,
    require_year,
    work_clock,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


@pytest.fixture(scope="module")
def clock() -> WorkClock:
    return work_clock()


def test_the_calendar_knows_holidays_and_make_up_days() -> None:
    assert is_working_day(date(2025, 9, 28))  # a Sunday, worked (调休)
    assert is_working_day(date(2025, 10, 11))  # a Saturday, worked (调休)
    assert not is_working_day(date(2025, 10, 1))  # National Day, a Wednesday
    assert not is_working_day(date(2025, 10, 8))
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday
    assert is_working_day(date(2025, 10, 9))


@pytest.mark.parametrize(("start", "limit", "due"), [
    ("2025-09-30 16:30", "4wh", "2025-10-09 11:30"),  # 1 h before the holiday, 3 h after it
    ("2025-09-26 17:00", "8wh", "2025-09-29 09:00"),  # Sunday Sep 28 is worked
    ("2025-10-09 08:30", "2wd", "2025-10-10 17:30"),  # used up at a window's end: due then
    ("2025-10-09 08:30", "3wd", "2025-10-11 17:30"),  # Saturday Oct 11 is worked
    ("2025-10-15 20:00", "1wh", "2025-10-16 09:30"),  # a night start counts from the next window
    ("2025-10-18 10:00", "1wh", "2025-10-20 09:30"),  # a weekend start counts from Monday
    ("2025-10-15 12:30", "1wh", "2025-10-15 15:00"),  # a lunch-break start counts from 14:00
    ("2025-10-15 11:00", "1wh", "2025-10-15 12:00"),  # due at the window's end, not at 14:00
    ("2025-10-15 11:00", "2wh", "2025-10-15 15:00"),  # across the lunch break
    ("2025-10-01 10:00", "24h", "2025-10-02 10:00"),  # natural hours run through the holiday
    ("2025-10-18 23:00", "2h", "2025-10-19 01:00"),  # and through the night
    ("2025-10-15 10:00", "0wh", "2025-10-15 10:00"),
    ("2025-10-15 10:15", "0.5wh", "2025-10-15 10:45"),
])
def test_deadlines(clock: WorkClock, start: str, limit: str, due: str) -> None:
    assert clock.due(at(start), limit) == at(due)


def test_an_approved_extension_adds_working_hours(clock: WorkClock) -> None:
    assert clock.due(at("2025-10-09 08:30"), "4wh") == at("2025-10-09 14:30")
    assert clock.due(at("2025-10-09 08:30"), "4wh", extension_wh=4) == at("2025-10-10 09:30")
    # a natural-clock deadline that falls on Friday night: its extension counts from the next window,
    # on the make-up Saturday
    assert clock.due(at("2025-10-09 20:00"), "24h", extension_wh=2) == at("2025-10-11 10:30")
    assert clock.due(at("2025-10-09 10:00"), "24h", extension_wh=2) == at("2025-10-10 12:00")
    assert clock.due(at("2025-09-30 17:00"), "1wh", extension_wh=1) == at("2025-10-09 10:00")


def test_the_vectorised_form_agrees_with_the_single_one(clock: WorkClock) -> None:
    starts = [at(s) for s in ("2025-09-30 16:30", "2025-10-15 20:00", "2025-10-01 10:00")]
    limits = [parse_limit(x) for x in ("4wh", "1wh", "24h")]
    got = clock.deadline(np.array([s.timestamp() for s in starts]), np.array([x.seconds for x in limits]),
                         np.array([x.natural for x in limits]), np.array([0.0, 2.0, 0.0]))
    want = [clock.due(s, x, e) for s, x, e in zip(starts, limits, (0.0, 2.0, 0.0), strict=True)]
    assert [datetime.fromtimestamp(g, BEIJING) for g in got] == want


def test_working_hours_between_instants(clock: WorkClock) -> None:
    assert clock.working_hours(at("2025-09-30 08:00"), at("2025-10-09 09:30")) == pytest.approx(8)
    assert clock.working_hours(at("2025-10-04 00:00"), at("2025-10-05 23:59")) == 0
    assert clock.working_hours(at("2025-10-10 12:00"), at("2025-10-10 08:00")) == 0


def test_a_year_the_calendar_does_not_know_fails_loudly(clock: WorkClock) -> None:
    with pytest.raises(UnknownYear, match="2099"):
        is_working_day(date(2099, 1, 5))
    with pytest.raises(UnknownYear, match="2099"):
        require_year(2099)
    with pytest.raises(UnknownYear, match="2099"):
        clock.due(at("2099-01-05 09:00"), "4wh")
    with pytest.raises(UnknownYear):
        clock.due(at("2003-01-06 09:00"), "4wh")
    last = clock.end  # a deadline running past the last known year
    with pytest.raises(UnknownYear):
        clock.deadline(np.array([last - 3600]), np.array([400 * 3600.0]), np.array([False]))


def test_limits_and_windows_parse_or_say_why() -> None:
    assert parse_limit("4wh") == Limit(4, "wh") and parse_limit("2wd").seconds == 14 * 3600
    assert parse_limit(" 24h ").natural and str(parse_limit("1.5wh")) == "1.5wh"
    for bad in ("4", "wh", "4 days", "-1wh", ""):
        with pytest.raises(ValueError, match="not like"):
            parse_limit(bad)
    assert parse_windows("09:00-12:00") == ((32400, 43200),)
    for bad in ("9-12", "12:00-09:00", "08:30-12:00,11:00-17:30", "08:30-25:00"):
        with pytest.raises(ValueError):
            parse_windows(bad)


def test_configured_windows(clock: WorkClock) -> None:
    summer = WorkClock("08:00-12:00,15:00-18:00")
    assert summer.due(at("2025-10-15 11:00"), "2wh") == at("2025-10-15 16:00")
    assert summer.due(at("2025-10-15 17:30"), "1wh") == at("2025-10-16 08:30")
