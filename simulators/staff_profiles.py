"""How long the simulated centre and departments take, and how often they return, park, ask for more
time or get a case sent back: the habits of `staff_profiles.yaml`, and the draws made from them.

A department's handling time is drawn as a share of the case class's own 处置时限 (hub/data/categories.yaml)
from a log-normal distribution with the department's median share, whose spread is chosen so that the
share past the limit (above 1) is exactly the department's `late` share. The share is then counted on
the class's own clock (hub/supervision/worktime.py): working hours and working days on the working-time
clock, natural hours on the natural one, so a case dispatched on a Friday evening is handled in the next
week's working windows. All draws take the caller's `random.Random`: the same seed gives the same times.

`pace` compresses time for the demo and scenarios: the staff act after `pace` real seconds per second
of the case's clock. The case's deadline stays the hub's own, so a case drawn late is handled only once
its deadline has passed, and a case drawn on time before it: the hub's records show the drawn outcome.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import yaml

from hub.supervision.worktime import Limit, work_clock

PROFILES = Path(__file__).with_name("staff_profiles.yaml")
SHARES = ("late", "returned", "parked", "extension", "rework")


@dataclass(frozen=True, slots=True)
class Profile:
    """A department's habits: its median handling time as a share of the limit, and its shares."""

    median: float
    late: float
    returned: float
    parked: float
    extension: float
    rework: float

    @property
    def sigma(self) -> float:
        """The log-normal spread that puts exactly `late` of the draws past the limit."""
        return -math.log(self.median) / NormalDist().inv_cdf(1.0 - self.late)


@dataclass(frozen=True)
class Habits:
    pace: float
    wait_s: dict[str, float]  # the centre's typical time over a step, by state, in case seconds
    centre: dict[str, float]  # reject, send_to_verify, refute, approve_extension
    departments: dict[str, Profile]  # name part → profile; "*" for the rest

    def profile(self, department: str | None) -> Profile:
        """The first profile whose key is part of the department's name, else "*"."""
        name = department or ""
        return next((p for key, p in self.departments.items() if key != "*" and key in name), self.departments["*"])


def _profile(key: str, row: Any) -> Profile:
    if not isinstance(row, dict) or set(row) != {"median", *SHARES}:
        raise ValueError(f"staff profile {key!r}: needs exactly median, {', '.join(SHARES)}")
    profile = Profile(**{k: float(v) for k, v in row.items()})
    if not 0 < profile.median < 1 or not 0 < profile.late < 0.5:
        raise ValueError(f"staff profile {key!r}: median must be in (0, 1) and late in (0, 0.5)")
    if any(not 0 <= getattr(profile, s) <= 1 for s in SHARES) or profile.returned + profile.parked >= 1:
        raise ValueError(f"staff profile {key!r}: shares are in [0, 1], returned + parked below 1")
    return profile


def parse_habits(doc: Any) -> Habits:
    """The habits as staff_profiles.yaml holds them; a malformed file raises ValueError naming the entry."""
    if not isinstance(doc, dict) or not isinstance(doc.get("centre"), dict) or not doc.get("departments"):
        raise ValueError("staff profiles: expected pace, centre and departments")
    centre = dict(doc["centre"])
    waits = {str(k): float(v) * 60 for k, v in dict(centre.pop("wait_min", {})).items()}
    departments = {str(k): _profile(str(k), v) for k, v in dict(doc["departments"]).items()}
    if "*" not in departments:
        raise ValueError("staff profiles: departments need a \"*\" profile for every other department")
    return Habits(float(doc.get("pace", 1.0)), waits, {str(k): float(v) for k, v in centre.items()}, departments)


@cache
def habits(path: Path = PROFILES) -> Habits:
    return parse_habits(yaml.safe_load(path.read_text(encoding="utf-8")))


def handling_share(rng: random.Random, profile: Profile) -> float:
    """A handling time as a share of the limit: above 1 is late."""
    return rng.lognormvariate(math.log(profile.median), profile.sigma)


def handled_at(start: float, limit: Limit, share: float) -> float:
    """The instant (epoch seconds) a case whose clock starts at `start` is handled, `share` of its limit
    counted on the limit's own clock (working or natural)."""
    if limit.natural:
        return start + share * limit.seconds
    clock = work_clock()
    return float(clock.instant(clock.counted(np.array([start])) + share * limit.seconds)[0])


def extension_hours(due: float, handled: float) -> float:
    """The whole working hours an extension must grant for a case due at `due` to be handled at `handled`."""
    clock = work_clock()
    due_counted, handled_counted = clock.counted(np.array([due, handled]))
    return float(max(1, math.ceil((handled_counted - due_counted) / 3600)))


def act_at(start: float, due: float | None, handled: float, pace: float) -> float:
    """The real instant the staff take the step drawn for `handled` on the case's clock, `pace` real
    seconds a case second: on the right side of the case's deadline `due`, as drawn."""
    if due is None or handled <= due:
        return start + pace * max(0.0, handled - start)
    return due + pace * (handled - due)
