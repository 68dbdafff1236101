"""What the incident engine works on: sightings (events as correlation sees them) and incidents."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from hub.events import Event


@dataclass(slots=True)
class Sighting:
    """One event, reduced to what correlation, the timers and the incident's member list need."""

    uid: str
    source: str
    type: str
    time: float
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    town_code: str | None = None
    town_name: str | None = None
    severity: int = 0
    alarms: list[str] = field(default_factory=list)
    department: str | None = None
    time_limit_h: float | None = None
    label: str | None = None  # category name or type, for titles
    address: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, event: Event) -> Sighting:
        hub = event.hub
        assert hub is not None
        ce = event.ce
        data = ce.get("data") or {}
        if "location" in data:  # the place is the hub block's; otherwise the event's data, shared and only read
            data = dict(data)
            del data["location"]
        when = event.epoch  # as decode parsed it, else parsed now (`Event.seconds`)
        return cls(hub.uid, ce["source"], ce["type"], event.seconds if when is None else when, hub.lon, hub.lat,
                   hub.grid_code, hub.district_code, hub.district_name, hub.town_code, hub.town_name,
                   hub.severity, list(hub.alarms), hub.department, hub.time_limit_h,
                   hub.category_name or ce["type"], hub.standard_address, data)

    def view(self) -> dict[str, Any]:
        """What conditions of rules and related-type members read."""
        return {"data": self.data, "ce": {"type": self.type, "source": self.source},
                "hub": {"district_code": self.district_code, "town_code": self.town_code,
                        "grid_code": self.grid_code, "severity": self.severity, "alarms": self.alarms}}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Sighting:
        return cls(**row)


@dataclass(slots=True)
class Incident:
    id: int | None
    kind: str  # the related-types group, e.g. "flood"
    type: str  # the type of the event that opened it
    title: str
    state: str
    severity: int
    lon: float | None
    lat: float | None
    grid_code: str | None
    district_code: str | None
    district_name: str | None
    town_code: str | None
    town_name: str | None
    department: str | None
    time_limit_h: float | None
    opened_at: float  # event time of the opening event
    created_at: float  # when the hub opened it
    updated_at: float
    last_event_at: float
    state_since: float
    dispatched_at: float | None = None
    due_at: float | None = None
    overdue: bool = False
    escalations: int = 0
    member_count: int = 0
    alarms: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Step:
    """One step of an incident's history: who did what, when and why."""

    incident_id: int
    action: str  # "open" | "transition" | "escalate" | "alarm"
    from_state: str | None
    to_state: str
    who: str
    at: float
    note: str = ""


EARTH_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine); plenty for a few kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))
