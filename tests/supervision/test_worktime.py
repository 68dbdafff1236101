"""Working-time arithmetic across the 2025 National Day week (Oct 1–8 off; Sun Sep 28 and Sat Oct 11
are make-up working days, 调休), outside-hours starts, extensions and natural-clock limits."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from hub.supervision.workcalendar import CalendarFileError, load_calendar
from hub.supervision.worktime import (
    BEIJING,
    Limit,
    UnknownYear,
    WorkClock,
    deadline_provisional,
    is_working_day,
    parse_limit,
    parse_windows,
    require_year,
    use_calendar_file,
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


# ── years the calendar does not know (hub/supervision/workcalendar.py) ──

FIXTURE_2027 = """\
# A TEST FIXTURE, not the official 2027 schedule: dates made up to show the file is used.
years:
  2027:
    source: "test fixture: made-up schedule"
    holidays: [2027-01-01, 2027-01-04]
    workdays: [2027-01-09]
"""


def test_a_deadline_spilling_into_the_unknown_next_year_is_counted_provisionally_and_flagged(
        caplog: pytest.LogCaptureFixture) -> None:
    calendar = load_calendar()  # the shipped supplement: no year in it
    assert calendar.provisional_year == calendar.known_years.stop == 2027
    clock = WorkClock(calendar=calendar)
    with caplog.at_level(logging.WARNING, logger="hub.supervision.workcalendar"):
        due = clock.due(at("2026-12-30 09:00"), "5wd")
        again = clock.due(at("2026-12-31 09:00"), "2wd")
    # 6.5 h on Dec 30 and 7 h on Dec 31 (official 2026 days); 1 Jan 2027 is 元旦 (the law fixes it);
    # Sat/Sun 2–3 Jan are off; Mon 4 – Wed 6 Jan give 21 h; the last half hour falls on Thu 7 Jan
    assert due == at("2027-01-07 09:00") and again == at("2027-01-05 09:00")
    assert clock.provisional(due.timestamp()) and not clock.provisional(at("2026-12-31 17:00").timestamp())
    warnings = [r for r in caplog.records if "2027" in r.getMessage() and "provisionally" in r.getMessage()]
    assert len(warnings) == 1  # once, not per deadline
    assert deadline_provisional(due.timestamp()) and not deadline_provisional(at("2026-12-31 10:00").timestamp())
    assert not deadline_provisional(None)
    assert calendar.describe()["provisional_in_use"] == [2027]
    # the provisional rule: weekdays less the fixed-date statutory holidays, nothing else invented
    assert calendar.is_provisional_working_day(date(2027, 5, 3))  # a Monday: counted as worked
    assert not calendar.is_provisional_working_day(date(2027, 5, 1))
    assert not calendar.is_provisional_working_day(date(2027, 10, 1))
    with pytest.raises(UnknownYear, match="2027"):
        calendar.is_working_day(date(2027, 1, 5))  # officially still unknown


def test_a_year_in_the_supplement_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "work_calendar.yaml"
    path.write_text(FIXTURE_2027, encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.known_years.stop - 1 == 2027 and calendar.provisional_year == 2028
    assert not calendar.is_working_day(date(2027, 1, 4))  # a Monday the fixture gives off
    assert calendar.is_working_day(date(2027, 1, 9))  # a Saturday the fixture makes worked
    assert calendar.is_working_day(date(2027, 1, 5))
    calendar.require_year(2027)
    clock = WorkClock(calendar=calendar)
    assert clock.due(at("2026-12-31 09:00"), "2wd") == at("2027-01-06 09:00")  # Mon 4 Jan is off here
    assert clock.due(at("2027-01-08 09:00"), "2wd") == at("2027-01-11 09:00")  # via the worked Saturday
    assert not clock.provisional(at("2027-12-31 10:00").timestamp())
    assert calendar.describe()["supplement_years"] == [2027]


def test_the_start_up_check_refuses_a_year_unknown_to_package_and_file(tmp_path: Path) -> None:
    with pytest.raises(UnknownYear, match=r"2027.*add the year to hub/data/work_calendar\.yaml"):
        load_calendar().require_year(2027)
    path = tmp_path / "work_calendar.yaml"
    path.write_text(FIXTURE_2027, encoding="utf-8")
    load_calendar(path).require_year(2027)
    with pytest.raises(UnknownYear, match=r"2028.*upgrade the chinesecalendar package"):
        load_calendar(path).require_year(2028)


def test_the_engine_refuses_to_start_in_a_year_unknown_to_both(tmp_path: Path) -> None:
    from hub.incidents import open_incidents

    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    in_2027 = at("2027-01-04 09:00").timestamp()
    try:
        with pytest.raises(UnknownYear, match=r"2027.*work_calendar\.yaml"):
            open_incidents(url, clock=lambda: in_2027)
        path = tmp_path / "work_calendar.yaml"
        path.write_text(FIXTURE_2027, encoding="utf-8")
        open_incidents(url, clock=lambda: in_2027, work_calendar_file=str(path)).store.db.close()
    finally:
        use_calendar_file(None)


@pytest.mark.parametrize(("text", "reason"), [
    ("years:\n  2026:\n    source: x\n    holidays: [2026-01-01]\n    workdays: []\n", "line 2: .*disagree"),
    ("years:\n  2028:\n    source: x\n    holidays: []\n    workdays: []\n", "gap"),
    ("years:\n  2027:\n    holidays: []\n", "source"),
    ("years:\n  2027:\n    source: x\n    holidays: [2026-12-31]\n", "not in 2027"),
    ("years:\n  2027:\n    source: x\n    workdays: [2027-01-05]\n", "weekday already"),
    ("# a comment\nyears:\n  2027:\n    source: x\n    holidays: [tomorrow]\n", "line 3: 2027: .*not a date"),
    ("years: [2027]\n", "mapping"),
])
def test_a_bad_or_contradictory_supplement_fails_loading(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "work_calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError, match=reason):
        load_calendar(path)


def test_a_year_in_both_that_agrees_with_the_package_loads(tmp_path: Path) -> None:
    import chinese_calendar

    holidays = sorted(d.isoformat() for d in chinese_calendar.holidays if d.year == 2026)
    workdays = sorted(d.isoformat() for d in chinese_calendar.workdays if d.year == 2026 and d.weekday() >= 5)
    path = tmp_path / "work_calendar.yaml"
    path.write_text(f"years:\n  2026:\n    source: x\n    holidays: [{', '.join(holidays)}]\n"
                    f"    workdays: [{', '.join(workdays)}]\n", encoding="utf-8")
    assert load_calendar(path).known_years.stop == 2027
