"""The working calendar (工作日历): which days are working days, from official data only.

Official holidays (放假) and make-up working days (调休) come from the `chinesecalendar` package for
the years it knows, and from the city-maintained supplement file (`hub/data/work_calendar.yaml`,
setting `work_calendar_file`) for the years after them. The package wins for the years it knows; a
year in both must agree exactly, or loading fails. Supplement years follow on from the package's
last year without a gap, so the known years are always one unbroken span.

The year right after the last known year is the provisional year: a deadline that spills into it
is counted there as Monday–Friday less the fixed-date statutory holidays of the 全国年节及纪念日放假办法
(元旦 1 Jan; 劳动节 1–2 May; 国庆节 1–3 Oct). The lunar holidays (春节, 端午, 中秋), 清明 (a solar term)
and the 调休 days cannot be placed without the year's notice, so a provisional deadline may fall on a
day that turns out to be a holiday; every use of the provisional year is logged and flagged. Any
other unknown year raises `UnknownYear`: it is never taken for an ordinary weekday.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

log = logging.getLogger(__name__)

DEFAULT_CALENDAR_FILE = Path(__file__).resolve().parent.parent / "data" / "work_calendar.yaml"
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))  # (month, day) the law fixes
UPGRADE_HINT = "upgrade the chinesecalendar package or add the year to hub/data/work_calendar.yaml"


@cache
def _package_years() -> range:
    """The years the installed package knows (its table is fixed for the life of the process)."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


class UnknownYear(LookupError):
    """A day of a year the holiday calendar does not know: working time cannot be counted there."""


class CalendarFileError(ValueError):
    """The supplement file is malformed or contradicts the package."""


@dataclass(frozen=True, slots=True)
class SupplementYear:
    year: int
    source: str
    holidays: frozenset[date]
    workdays: frozenset[date]


@dataclass
class WorkCalendar:
    """Package years plus supplement years; `provisional_year` is the one after the last known."""

    supplement: dict[int, SupplementYear] = field(default_factory=dict)
    source_file: str = ""
    _warned: set[int] = field(default_factory=set)

    @property
    def package_years(self) -> range:
        return _package_years()

    @property
    def known_years(self) -> range:
        span = self.package_years
        return range(span.start, max([span.stop - 1, *self.supplement]) + 1)

    @property
    def provisional_year(self) -> int:
        return self.known_years.stop

    def require_year(self, year: int) -> None:
        """Raise `UnknownYear` unless `year` is known officially (the start-up check)."""
        span = self.known_years
        if year not in span:
            raise UnknownYear(f"the working calendar does not know {year}; it knows {span.start}–{span.stop - 1}: "
                              f"{UPGRADE_HINT}")

    def is_working_day(self, day: date) -> bool:
        """Official status of `day`; `UnknownYear` outside the known years."""
        if day.year in self.package_years:
            return bool(chinese_calendar.is_workday(day))
        entry = self.supplement.get(day.year)
        if entry is None:
            self.require_year(day.year)
            raise UnknownYear(f"the working calendar does not know {day.year}")  # pragma: no cover
        if day in entry.holidays:
            return False
        return day in entry.workdays or day.weekday() < 5

    def is_provisional_working_day(self, day: date) -> bool:
        """The provisional rule: Monday–Friday less the fixed-date statutory holidays."""
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS

    def warn_provisional(self, year: int) -> None:
        """Log once per calendar (one per process in the hub) that `year` is counted provisionally."""
        if year not in self._warned:
            self._warned.add(year)
            log.warning("a deadline falls in %d, which the working calendar does not know: counted provisionally "
                        "as Monday–Friday less 1 Jan, 1–2 May and 1–3 Oct, without the lunar holidays and 调休; "
                        "%s", year, UPGRADE_HINT)

    def describe(self) -> dict[str, Any]:
        """What /healthz shows."""
        span = self.known_years
        return {"known_years": [span.start, span.stop - 1], "package_years": [self.package_years.start,
                self.package_years.stop - 1], "supplement_years": sorted(self.supplement),
                "provisional_year": self.provisional_year, "provisional_in_use": sorted(self._warned),
                "file": self.source_file}


def _dates(value: Any, year: int, what: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise CalendarFileError(f"{year}: {what} must be a list of dates like 2027-01-01")
    days: set[date] = set()
    for item in value:
        try:
            day = item if isinstance(item, date) else date.fromisoformat(str(item))
        except ValueError:
            raise CalendarFileError(f"{year}: {what} entry {item!r} is not a date like 2027-01-01") from None
        if day.year != year:
            raise CalendarFileError(f"{year}: {what} entry {day} is not in {year}")
        days.add(day)
    return frozenset(days)


def _entry(year: Any, body: Any) -> SupplementYear:
    if not isinstance(year, int) or not isinstance(body, dict):
        raise CalendarFileError(f"year {year!r} must be a number with source, holidays and workdays")
    unknown = set(body) - {"source", "holidays", "workdays"}
    if unknown or not str(body.get("source") or "").strip():
        raise CalendarFileError(f"{year}: needs a source (the notice's title) and only holidays/workdays besides "
                                f"(unexpected: {sorted(unknown)})")
    entry = SupplementYear(year, str(body["source"]), _dates(body.get("holidays", []), year, "holidays"),
                           _dates(body.get("workdays", []), year, "workdays"))
    if entry.holidays & entry.workdays:
        raise CalendarFileError(f"{year}: {sorted(entry.holidays & entry.workdays)[0]} is both a holiday and a workday")
    weekday = next((d for d in sorted(entry.workdays) if d.weekday() < 5), None)
    if weekday is not None:
        raise CalendarFileError(f"{year}: make-up working day {weekday} is a weekday already")
    return entry


def _agree_with_package(entry: SupplementYear) -> None:
    holidays = {d for d in chinese_calendar.holidays if d.year == entry.year}
    workdays = {d for d in chinese_calendar.workdays if d.year == entry.year and d.weekday() >= 5}
    for what, mine, theirs in (("holidays", entry.holidays, holidays), ("workdays", entry.workdays, workdays)):
        if mine != theirs:
            diff = sorted(mine ^ theirs)
            raise CalendarFileError(f"{entry.year}: the file's {what} disagree with the chinesecalendar package "
                                    f"(e.g. {diff[0]}); remove the year from the file or correct it")


def _line_of(text: str, year: Any) -> str:
    """`line N: ` for the line where `year:` is written, so a clerk finds the entry to fix."""
    found = re.search(rf"^\s*{re.escape(str(year))}\s*:", text, re.MULTILINE)
    return f"line {text.count(chr(10), 0, found.start()) + 1}: " if found else ""


def _entries(text: str, years: dict[Any, Any]) -> list[SupplementYear]:
    entries = []
    for year, body in years.items():
        try:
            entries.append(_entry(year, body))
        except CalendarFileError as err:
            raise CalendarFileError(f"{_line_of(text, year)}{err}") from None
    return entries


def load_calendar(path: Path | str | None = None) -> WorkCalendar:
    """Read the supplement file; `CalendarFileError` (naming the file) if malformed or contradictory."""
    path = Path(path) if path else DEFAULT_CALENDAR_FILE
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        years = raw.get("years") or {} if isinstance(raw, dict) else None
        if not isinstance(years, dict):
            raise CalendarFileError("the file must hold a mapping `years:` of year → source, holidays, workdays")
        calendar = WorkCalendar(source_file=str(path))
        package = calendar.package_years
        entries = _entries(text, years)
        for entry in entries:
            if entry.year < package.start:
                raise CalendarFileError(f"{_line_of(text, entry.year)}{entry.year} is before the package's first "
                                        f"year {package.start}")
            if entry.year in package:
                try:
                    _agree_with_package(entry)
                except CalendarFileError as err:
                    raise CalendarFileError(f"{_line_of(text, entry.year)}{err}") from None
        later = sorted(e.year for e in entries if e.year >= package.stop)
        if later and later != list(range(package.stop, package.stop + len(later))):
            raise CalendarFileError(f"years {later} leave a gap after the package's last year {package.stop - 1}")
        calendar.supplement = {e.year: e for e in entries if e.year >= package.stop}
        return calendar
    except (OSError, yaml.YAMLError, CalendarFileError) as err:
        raise CalendarFileError(f"{path}: {err}") from None
