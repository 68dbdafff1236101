"""Working-time clocks (工作时间计时): the deadlines of digital city management count working time.

Working time is the configured daily windows (default 08:30–12:00 and 14:00–17:30, Beijing time)
on working days: Monday to Friday, less the official public holidays, plus the official make-up
working days (调休), as the working calendar (hub/supervision/workcalendar.py: the `chinesecalendar`
package plus the city's supplement file) publishes them. The clock spans the known years and the
provisional year after them, counted by the provisional rule and logged once per process when used;
a day outside that span raises `UnknownYear`: it is never taken for an ordinary weekday.

A limit is `Nwh` (working hours), `Nwd` (working days of 7 working hours) or `Nh` (natural hours:
the urgent classes' clock). The clock maps an instant to the working seconds counted since the
calendar's first day; a deadline is the earliest instant at which the counted time since the start
reaches the limit, so a start outside the windows counts from the next window, and a limit that
is used up at a window's end falls due at that end, not at the next window's start. Every function
has a vectorised form over numpy arrays of epoch seconds, which the evaluation of large case logs
uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hub.supervision.workcalendar import DEFAULT_CALENDAR_FILE, UnknownYear, WorkCalendar, load_calendar

BEIJING = timezone(timedelta(hours=8))
DEFAULT_WINDOWS = "08:30-12:00,14:00-17:30"
WORKING_DAY_H = 7.0  # a `wd` limit's day, whatever the windows
DAY_S = 86400
UNITS = {"wh": "working hours", "wd": "working days", "h": "natural hours"}
_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wh|wd|h)\s*$")
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Seconds = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Limit:
    """A 处置时限: `amount` of `unit` (wh, wd or h)."""

    amount: float
    unit: str

    @property
    def natural(self) -> bool:
        return self.unit == "h"

    @property
    def seconds(self) -> float:
        """Natural seconds for `h`, working seconds for `wh` and `wd`."""
        return self.amount * 3600 * (WORKING_DAY_H if self.unit == "wd" else 1.0)

    def __str__(self) -> str:
        return f"{self.amount:g}{self.unit}"


def parse_limit(text: str) -> Limit:
    found = _LIMIT.match(text or "")
    if not found:
        raise ValueError(f"limit {text!r} is not like 4wh, 2wd or 24h")
    return Limit(float(found.group(1)), found.group(2))


def parse_windows(text: str) -> tuple[tuple[int, int], ...]:
    """`"08:30-12:00,14:00-17:30"` → ((30600, 43200), (50400, 63000)): seconds of the day, in order."""
    windows: list[tuple[int, int]] = []
    for part in text.split(","):
        found = _WINDOW.match(part)
        if not found:
            raise ValueError(f"working window {part!r} is not like 08:30-12:00")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
        if not (0 <= start < end <= DAY_S and m1 < 60 and m2 < 60):
            raise ValueError(f"working window {part!r} is empty or outside the day")
        if windows and start < windows[-1][1]:
            raise ValueError(f"working windows {text!r} overlap or are out of order")
        windows.append((start, end))
    return tuple(windows)


_calendar_file: Path = DEFAULT_CALENDAR_FILE


def use_calendar_file(path: Path | str | None) -> WorkCalendar:
    """Make `path` (the setting `work_calendar_file`) the process's working calendar; load it now, so a
    malformed or contradictory file fails at start-up."""
    global _calendar_file
    chosen = Path(path) if path else DEFAULT_CALENDAR_FILE
    if chosen != _calendar_file:
        _calendar_file = chosen
        work_calendar.cache_clear()
        work_clock.cache_clear()
    return work_calendar()


@cache
def work_calendar() -> WorkCalendar:
    """The process's working calendar (the supplement file chosen by `use_calendar_file`)."""
    return load_calendar(_calendar_file)


def is_working_day(day: date) -> bool:
    return work_calendar().is_working_day(day)


def known_years() -> range:
    return work_calendar().known_years


def require_year(year: int) -> None:
    """Raise `UnknownYear` unless working time can be counted officially in `year` (a start-up check)."""
    work_calendar().require_year(year)


def deadline_provisional(at: float | None) -> bool:
    """Whether a deadline (epoch seconds) falls in the year the calendar counts provisionally."""
    return at is not None and datetime.fromtimestamp(at, BEIJING).year >= work_calendar().provisional_year


class WorkClock:
    """Working seconds over the calendar's known years and the provisional year, in Beijing time."""

    def __init__(self, windows: str = DEFAULT_WINDOWS, calendar: WorkCalendar | None = None) -> None:
        self.windows = parse_windows(windows)
        self.calendar = calendar or work_calendar()
        span = self.calendar.known_years
        self.provisional_year = self.calendar.provisional_year
        self.first_day = date(span.start, 1, 1)
        known = (date(span.stop, 1, 1) - self.first_day).days
        days = (date(self.provisional_year + 1, 1, 1) - self.first_day).days
        self.origin = datetime(span.start, 1, 1, tzinfo=BEIJING).timestamp()
        self.provisional_from = self.origin + known * DAY_S
        self.end = self.origin + days * DAY_S
        self.workday = np.array([self.calendar.is_working_day(self.first_day + timedelta(d)) if d < known
                                 else self.calendar.is_provisional_working_day(self.first_day + timedelta(d))
                                 for d in range(days)])
        per_day = float(sum(e - s for s, e in self.windows))
        self.day_work = np.where(self.workday, per_day, 0.0)
        self.before = np.concatenate(([0.0], np.cumsum(self.day_work)))  # counted at each day's start
        starts = np.array([s for s, _ in self.windows], dtype=np.float64)
        ends = np.array([e for _, e in self.windows], dtype=np.float64)
        self._starts, self._ends = starts, ends
        self._filled = np.concatenate(([0.0], np.cumsum(ends - starts)))  # counted before each window

    def _check(self, t: Seconds) -> None:
        bad = (t < self.origin) | (t >= self.end)
        if np.any(bad):
            year = datetime.fromtimestamp(float(t[bad][0]), BEIJING).year
            self.calendar.require_year(year)
            raise UnknownYear(f"the working calendar does not know {year}")  # pragma: no cover
        self._note_provisional(t)

    def _note_provisional(self, t: Seconds) -> None:
        if np.any(t >= self.provisional_from):
            self.calendar.warn_provisional(self.provisional_year)

    def provisional(self, t: float) -> bool:
        """Whether the instant `t` (epoch seconds) lies in the provisionally counted year."""
        return t >= self.provisional_from

    def counted(self, t: Seconds) -> Seconds:
        """Working seconds from the calendar's start to each instant `t` (epoch seconds)."""
        t = np.asarray(t, dtype=np.float64)
        self._check(t)
        local = t - self.origin
        day = (local // DAY_S).astype(np.int64)
        sec = local - day * DAY_S
        within = np.clip(sec[..., None] - self._starts, 0.0, self._ends - self._starts).sum(axis=-1)
        return self.before[day] + np.where(self.workday[day], within, 0.0)

    def instant(self, counted: Seconds) -> Seconds:
        """The earliest instant (epoch seconds) at which the working seconds counted reach `counted`."""
        v = np.asarray(counted, dtype=np.float64)
        day_end = self.before[1:]
        day = np.searchsorted(day_end, v, side="left")
        if np.any(day >= len(day_end)):
            raise UnknownYear(f"a deadline falls after {self.provisional_year}, which the working calendar does "
                              f"not know even provisionally: {self.calendar.describe()['known_years']} are known; "
                              "upgrade the chinesecalendar package or add the year to hub/data/work_calendar.yaml")
        rest = v - self.before[day]
        window = np.clip(np.searchsorted(self._filled[1:], rest, side="left"), 0, len(self._starts) - 1)
        sec = self._starts[window] + (rest - self._filled[window])
        at = self.origin + day * DAY_S + sec
        self._note_provisional(at)
        return at

    def deadline(self, start: Seconds, limit_s: Seconds, natural: npt.NDArray[np.bool_],
                 extension_wh: Seconds | float = 0.0) -> Seconds:
        """start + limit (working or natural seconds), then + the approved extension in working hours."""
        start = np.asarray(start, dtype=np.float64)
        limit_s = np.asarray(limit_s, dtype=np.float64)
        ext = np.broadcast_to(np.asarray(extension_wh, dtype=np.float64) * 3600, start.shape)
        natural = np.asarray(natural, dtype=bool)
        worked = np.maximum(start, self.instant(self.counted(start) + np.where(natural, 0.0, limit_s)))
        due = np.where(natural, start + limit_s, worked)
        extended = np.maximum(due, self.instant(self.counted(due) + ext))
        return np.where(ext > 0, extended, due)

    def due_seconds(self, start: float, limit: Limit, extension_wh: float = 0.0) -> float:
        """The deadline (epoch seconds) of one case dispatched at `start` (epoch seconds)."""
        at = self.deadline(np.array([start]), np.array([limit.seconds]), np.array([limit.natural]), extension_wh)
        return float(at[0])

    def due(self, start: datetime, limit: Limit | str, extension_wh: float = 0.0) -> datetime:
        """The deadline of one case dispatched at `start` (an aware datetime), in Beijing time."""
        limit = parse_limit(limit) if isinstance(limit, str) else limit
        return datetime.fromtimestamp(self.due_seconds(start.timestamp(), limit, extension_wh), BEIJING)

    def working_hours(self, start: datetime, end: datetime) -> float:
        """Working hours counted between two instants (0 when `end` is not after `start`)."""
        a, b = self.counted(np.array([start.timestamp(), end.timestamp()]))
        return max(0.0, float(b - a)) / 3600


@cache
def work_clock(windows: str = DEFAULT_WINDOWS) -> WorkClock:
    return WorkClock(windows)
