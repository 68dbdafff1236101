"""What the simulated city is going through: weather and the incidents of a scenario, as values
that every simulated device reads at its own place and time.

The background is a deterministic climate (showers on some afternoons, the daily cycle); a
scenario adds `Effect`s — a rainstorm over a district, a fire at a warehouse, a leak in a park —
each with its keys (``rain_mm_h``, ``smoke``, ``leak_lel`` …), a start, an end, a ramp and a
footprint (a district, or a circle that fades out beyond its radius). Rain drives river level
and waterlogging through `rain_mm`, the accumulation over a past window: that is the lag.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

KM_PER_DEG = (102.85, 110.75)
KEYS = ("rain_mm_h", "wind_ms", "smoke", "fire", "water_draw", "leak_lel", "toxic_ppm", "jam", "outage",
        "ground_move_mm_h", "flood_cm", "river_rise_m", "gas_lel", "crowd", "discharge")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return 1000 * math.hypot((lon1 - lon2) * KM_PER_DEG[0], (lat1 - lat2) * KM_PER_DEG[1])


@dataclass(frozen=True)
class Effect:
    kind: str  # what happens: rainstorm, typhoon, fire, leak, jam, forest_fire …
    start: datetime
    end: datetime
    values: dict[str, float]
    lon: float = 0.0
    lat: float = 0.0
    radius_m: float = 0.0  # 0 with districts: the whole districts
    districts: frozenset[str] = frozenset()
    ramp_s: float = 300.0

    def strength(self, when: datetime, lon: float, lat: float, district: str | None) -> float:
        if not self.start <= when <= self.end:
            return 0.0
        ramp = min(1.0, (when - self.start).total_seconds() / self.ramp_s if self.ramp_s else 1.0,
                   (self.end - when).total_seconds() / self.ramp_s if self.ramp_s else 1.0)
        if self.districts and not self.radius_m:
            return ramp if district in self.districts else 0.0
        gap = distance_m(lon, lat, self.lon, self.lat) - self.radius_m
        return ramp if gap <= 0 else ramp * math.exp(-((gap / max(self.radius_m, 200.0)) ** 2))


@dataclass
class Environment:
    effects: list[Effect] = field(default_factory=list)
    background: bool = True

    def value(self, key: str, when: datetime, lon: float, lat: float, district: str | None = None) -> float:
        total = background(key, when, lon) if self.background else 0.0
        for effect in self.effects:
            if key in effect.values:
                total += effect.values[key] * effect.strength(when, lon, lat, district)
        return total

    def rain_mm(self, since: datetime, until: datetime, lon: float, lat: float, district: str | None = None) -> float:
        """Rain fallen between two times (5-minute steps)."""
        steps = max(1, int((until - since).total_seconds() // 300))
        step = (until - since) / steps
        return sum(self.value("rain_mm_h", since + step * (i + 0.5), lon, lat, district) for i in range(steps)) \
            * step.total_seconds() / 3600

    def nearest(self, kind_key: str, when: datetime, lon: float, lat: float, within_m: float) -> Effect | None:
        """The active effect carrying `kind_key` whose centre is nearest and within reach."""
        active = [e for e in self.effects if kind_key in e.values and e.start <= when <= e.end and e.radius_m
                  and distance_m(lon, lat, e.lon, e.lat) <= within_m + e.radius_m]
        return min(active, key=lambda e: distance_m(lon, lat, e.lon, e.lat), default=None)

    def active(self, when: datetime) -> Iterable[Effect]:
        return (e for e in self.effects if e.start <= when <= e.end)


def _hash(text: str) -> int:
    return zlib.crc32(text.encode())


def background(key: str, when: datetime, lon: float) -> float:
    """The everyday climate: afternoon showers on some days (deterministic by the date), light winds."""
    if key == "rain_mm_h":
        block = int(when.timestamp() // 10800)
        h = _hash(f"rain:{block}")
        if h % 100 >= 12:
            return 0.0
        phase = (when.timestamp() % 10800) / 10800
        return (2 + (h >> 8) % 18) * math.sin(math.pi * phase) * (0.7 + 0.3 * math.cos(lon * 40))
    if key == "wind_ms":
        return 2.5 + 1.5 * math.sin(when.timestamp() / 7200)
    return 0.0


def china_hour(when: datetime) -> float:
    local = when + timedelta(hours=8) - (when.utcoffset() or timedelta(0))
    return local.hour + local.minute / 60
