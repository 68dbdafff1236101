"""What the forecast reads, kept as time series by event time: each point's own value, each rain gauge's
rain of the past hour, and the rain warnings by area. The same structure holds a day of the store's history
for fitting and the last hours of live events for forecasting; `add` costs a few list appends."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from hub.events import epoch

MAX_AGE_S = 900.0  # an as-of reading older than this is missing


@dataclass(slots=True)
class Series:
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, t: float, value: float) -> None:
        if not self.times or t >= self.times[-1]:
            self.times.append(t)
            self.values.append(value)
        else:  # late, out of order: in its place
            i = bisect.bisect_right(self.times, t)
            self.times.insert(i, t)
            self.values.insert(i, value)

    def as_of(self, t: float, max_age: float = MAX_AGE_S) -> float | None:
        """The latest value at or before t, if it is recent enough."""
        i = bisect.bisect_right(self.times, t) - 1
        return self.values[i] if i >= 0 and t - self.times[i] <= max_age else None

    def total(self, since: float, until: float) -> float:
        """The sum of the values in (since, until]."""
        return sum(self.values[bisect.bisect_right(self.times, since):bisect.bisect_right(self.times, until)])

    def first_above(self, since: float, until: float, level: float) -> float | None:
        start = bisect.bisect_left(self.times, since)
        for i in range(start, bisect.bisect_right(self.times, until)):
            if self.values[i] >= level:
                return self.times[i]
        return None

    def trim(self, before: float) -> None:
        cut = bisect.bisect_left(self.times, before)
        if cut:
            del self.times[:cut], self.values[:cut]


@dataclass(slots=True)
class Warning:
    sent: float
    expires: float | None
    rank: int  # 0: cancelled


class History:
    def __init__(self, value_fields: dict[str, str], hazards: frozenset[str], colours: dict[str, int]) -> None:
        self.value_fields = value_fields  # event type → the data field that is a point's value
        self.hazards, self.colours = hazards, colours
        self.values: dict[str, Series] = {}  # device → its value
        self.rain: dict[str, Series] = {}  # rain gauge → rain of the past hour (mm)
        self.rain_since_last: dict[str, Series] = {}  # rain gauge → rain since its previous report (mm)
        self.warnings: dict[str, list[Warning]] = {}  # area code → warnings in the order sent

    def add(self, event_type: str, device: str, t: float, data: dict[str, Any]) -> bool:
        """Take one event if the forecast reads it; whether it was a point's value."""
        field_name = self.value_fields.get(event_type)
        if field_name is not None:
            value = data.get(field_name)
            if isinstance(value, int | float):
                self.values.setdefault(device, Series()).add(t, float(value))
                return True
        elif event_type == "city.water.rainfall":
            rain, fallen = data.get("rain_1h_mm"), data.get("rain_mm")
            if isinstance(rain, int | float):
                self.rain.setdefault(device, Series()).add(t, float(rain))
            if isinstance(fallen, int | float):
                self.rain_since_last.setdefault(device, Series()).add(t, float(fallen))
        elif event_type == "city.weather.warning" and data.get("hazard") in self.hazards:
            area = str(data.get("area_code") or "")
            rank = 0 if data.get("msg_type") == "cancel" else self.colours.get(str(data.get("colour")), 0)
            expires = data.get("expires")
            self.warnings.setdefault(area, []).append(Warning(t, epoch(expires) if expires else None, rank))
        return False

    def warning_rank(self, district: str, t: float) -> int:
        """The highest rain warning in force at t over the district (or the whole city, 440700)."""
        rank = 0
        for area in (district, district[:4] + "00"):
            sent = self.warnings.get(area) or []
            latest = next((w for w in reversed(sent) if w.sent <= t), None)
            if latest is not None and (latest.expires is None or latest.expires > t) and t - latest.sent < 6 * 3600:
                rank = max(rank, latest.rank)
        return rank

    def trim(self, before: float) -> None:
        for series in (*self.values.values(), *self.rain.values(), *self.rain_since_last.values()):
            series.trim(before)
        for area, sent in self.warnings.items():
            self.warnings[area] = [w for w in sent if w.sent >= before] or sent[-1:]
