"""Correlation: events become incidents by place, related type and time window. Pure code.

An event joins an open incident of a group that admits its type (see `related.py`) when it
happened within the group's window of the incident's events and lies in the same or a
neighbouring unit-grid cell, or within the group's radius of the incident's first point
(members with `scope: district` join anywhere in the incident's district). Of several
candidates the nearest wins. An event that joins nothing opens a new incident when it
carries an alarm, or its severity reaches `open_severity`; otherwise it is left alone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from hub.incidents.flow import OPEN, due_at
from hub.incidents.model import Incident, Sighting, distance_m
from hub.incidents.related import Group, Member, RelatedTypes

Neighbours = Callable[[str, str], bool]
MAX_CELLS = 64
BUCKET_M = 1000  # the spatial index's smallest buckets; a group's buckets are as wide as its radius
M_PER_DEG = 100_000  # fewer metres than a degree of longitude (≥ 102 km) or of latitude in Jiangmen
NAME_FIELDS = ("name", "title", "headline", "site_name", "bridge_name", "point_name", "building")


@dataclass(slots=True)
class Decision:
    sighting: Sighting
    incident: Incident
    opened: bool
    new_alarms: list[str] = field(default_factory=list)


class Correlator:
    def __init__(self, related: RelatedTypes, rule_name: Callable[[str], str] = str,
                 stage_limits_h: dict[str, float] | None = None, neighbours: Neighbours | None = None) -> None:
        self.related, self.rule_name = related, rule_name
        self.stage_limits_h = stage_limits_h or {}
        self.neighbours = neighbours

    def relevant(self, sighting: Sighting) -> bool:
        """Could this event open or join anything? Most events (parking, flows) cannot."""
        return self.opens(sighting) or bool(self.related.groups_of(sighting.type, sighting.view()))

    def opens(self, sighting: Sighting) -> bool:
        return bool(sighting.alarms) or sighting.severity >= self.related.open_severity

    def kinds(self, sightings: list[Sighting]) -> set[str]:
        """The incident kinds (groups) these sightings could join or open."""
        return {g.id for s in sightings for g, _ in self.related.groups_of(s.type, s.view())} | {
            s.type for s in sightings}

    def correlate(self, sightings: list[Sighting], incidents: list[Incident], now: float) -> list[Decision]:
        """Decide for each sighting, in event-time order; incidents opened here take later sightings."""
        index = Index(getattr(self.neighbours, "around", None), lambda kind: self.related.group(kind).radius_m)
        for incident in incidents:
            if incident.state in OPEN:
                index.add(incident)
        decisions: list[Decision] = []
        for sighting in sorted(sightings, key=lambda s: s.time):
            memberships = self.related.groups_of(sighting.type, sighting.view())
            alone = self.related.alone(sighting.type)
            target = self.match(sighting, [*memberships, (alone, alone.members[0])], index)
            if target is not None:
                decisions.append(self.join(target, sighting, now))
                index.add_cell(target, sighting.grid_code)
            elif self.opens(sighting):
                incident = self.open(sighting, opening_group(memberships, alone), now)
                index.add(incident)
                decisions.append(Decision(sighting, incident, True, list(sighting.alarms)))
        return decisions

    def match(self, s: Sighting, memberships: list[tuple[Group, Member]], index: Index) -> Incident | None:
        best: tuple[float, Incident] | None = None
        for group, member in memberships:
            window = group.window_min * 60
            for incident in index.near(s, group, member):
                if not incident.opened_at - window <= s.time <= incident.last_event_at + window:
                    continue
                gap = self.gap(s, member, group, incident)
                if gap is not None and (best is None or gap < best[0]):
                    best = (gap, incident)
        return best[1] if best else None

    def gap(self, s: Sighting, member: Member, group: Group, incident: Incident) -> float | None:
        """How far the sighting is from the incident, or None when it is not near enough to join."""
        apart = None
        if s.lon is not None and s.lat is not None and incident.lon is not None and incident.lat is not None:
            apart = distance_m(s.lon, s.lat, incident.lon, incident.lat)
        if member.scope == "district":
            return (apart or 0.0) if s.district_code and s.district_code == incident.district_code else None
        if apart is not None and apart <= group.radius_m:
            return apart
        if s.grid_code and self.touches(s.grid_code, incident):
            return apart or 0.0
        return None

    def touches(self, grid_code: str, incident: Incident) -> bool:
        """The cell is one of the incident's cells or a neighbour of one. With a neighbour table that
        lists a cell's neighbours (CellNeighbours.around), one set test instead of a call per cell."""
        if grid_code == incident.grid_code or grid_code in incident.cells:
            return True
        if not self.neighbours:
            return False
        around = getattr(self.neighbours, "around", None)
        if around is not None:
            near = around(grid_code)
            return incident.grid_code in near or not near.isdisjoint(incident.cells)
        return any(self.neighbours(grid_code, c) for c in (*incident.cells, incident.grid_code) if c)

    def join(self, incident: Incident, s: Sighting, now: float) -> Decision:
        new = [a for a in s.alarms if a not in incident.alarms]
        incident.alarms += new
        incident.severity = max(incident.severity, s.severity)
        incident.last_event_at = max(incident.last_event_at, s.time)
        incident.member_count += 1
        if s.grid_code and s.grid_code not in incident.cells and len(incident.cells) < MAX_CELLS:
            incident.cells.append(s.grid_code)
        incident.updated_at = now
        return Decision(s, incident, False, new)

    def open(self, s: Sighting, group: Group, now: float) -> Incident:
        return Incident(
            None, group.id, s.type, self.title(s, group), "reported", s.severity, s.lon, s.lat, s.grid_code,
            s.district_code, s.district_name, s.town_code, s.town_name, s.department, s.time_limit_h,
            opened_at=s.time, created_at=now, updated_at=now, last_event_at=s.time, state_since=now,
            due_at=due_at("reported", now, None, s.time_limit_h, self.stage_limits_h),
            member_count=1, alarms=list(s.alarms), cells=[s.grid_code] if s.grid_code else [])

    def title(self, s: Sighting, group: Group) -> str:
        what = self.rule_name(s.alarms[0]) if s.alarms else (s.label or s.type)
        head = what if group.name in (what, group.id) else f"{group.name}：{what}"
        named = next((s.data[k] for k in NAME_FIELDS if isinstance(s.data.get(k), str) and s.data[k]), None)
        if named:
            head += f"「{named[:40]}」"
        where = "".join(x for x in (s.district_name, s.town_name) if x)
        place = " ".join(x for x in (where, s.address) if x)
        return f"{head} · {place}" if place else head


def bucket(lon: float, lat: float, step_deg: float) -> tuple[int, int]:
    return math.floor(lon / step_deg), math.floor(lat / step_deg)


class Index:
    """Open incidents by kind and place, so a sighting looks only at the incidents that could take it:
    those whose first point lies within the group's radius (buckets as wide), those with the sighting's
    cell or a neighbouring one among their cells, and for district-wide members those of the district."""

    def __init__(self, around: Callable[[str], frozenset[str]] | None = None,
                 radius_of: Callable[[str], float] = lambda kind: BUCKET_M) -> None:
        self.around = around  # a cell's neighbouring cells; without it, every incident of the kind is a candidate
        self.radius_of = radius_of  # the join radius of an incident kind (its group's radius_m)
        self.steps: dict[str, float] = {}  # bucket side per kind, in degrees: at least its radius
        self.by_place: defaultdict[tuple[str, int, int], list[Incident]] = defaultdict(list)
        self.by_cell: dict[tuple[str, str], dict[int, Incident]] = {}  # (kind, cell) → incidents by id()
        self.uncelled: defaultdict[str, list[Incident]] = defaultdict(list)  # by kind, cells not yet in by_cell
        self.by_district: defaultdict[tuple[str, str | None], list[Incident]] = defaultdict(list)
        self.by_kind: defaultdict[str, list[Incident]] = defaultdict(list)
        self.order: dict[int, int] = {}  # id(incident) → when it was indexed: of equally near ones, the older wins

    def add(self, incident: Incident) -> None:
        self.order.setdefault(id(incident), len(self.order))
        self.by_kind[incident.kind].append(incident)
        if incident.lon is not None and incident.lat is not None:
            where = bucket(incident.lon, incident.lat, self.step(incident.kind))
            self.by_place[(incident.kind, *where)].append(incident)
        self.uncelled[incident.kind].append(incident)  # its cells are indexed when its kind is first asked for
        self.by_district[(incident.kind, incident.district_code)].append(incident)

    def step(self, kind: str) -> float:
        found = self.steps.get(kind)
        if found is None:
            found = self.steps[kind] = max(self.radius_of(kind), BUCKET_M) / M_PER_DEG
        return found

    def add_cell(self, incident: Incident, cell: str | None) -> None:
        if cell:
            self.by_cell.setdefault((incident.kind, cell), {})[id(incident)] = incident

    def near(self, s: Sighting, group: Group, member: Member) -> list[Incident]:
        if member.scope == "district":
            return list(self.by_district.get((group.id, s.district_code), ())) if s.district_code else []
        lists: list[list[Incident]] = []
        if s.lon is not None and s.lat is not None:
            step = self.step(group.id)
            rings = max(1, math.ceil(group.radius_m / (step * M_PER_DEG)))  # one, unless radii disagree
            x, y = bucket(s.lon, s.lat, step)
            for dx in range(-rings, rings + 1):
                for dy in range(-rings, rings + 1):
                    if listed := self.by_place.get((group.id, x + dx, y + dy)):
                        lists.append(listed)
        if s.grid_code and self.around is None:
            lists.append(self.by_kind.get(group.id, []))
        elif s.grid_code and self.around is not None:
            for incident in self.uncelled.pop(group.id, ()):  # a batch of a few events asks for few kinds
                for cell in incident.cells:
                    self.add_cell(incident, cell)
                self.add_cell(incident, incident.grid_code)
            for cell in (s.grid_code, *self.around(s.grid_code)):
                if celled := self.by_cell.get((group.id, cell)):
                    lists.append(list(celled.values()))
        if len(lists) == 1:
            return lists[0]
        found = {id(i): i for listed in lists for i in listed}
        return sorted(found.values(), key=lambda i: self.order[id(i)])


def opening_group(memberships: list[tuple[Group, Member]], alone: Group) -> Group:
    """The group an alarm opens: one it leads (its type is in the group's first member), else the first
    that takes it — so congestion alone opens a traffic incident, not a flood, though it joins a flood."""
    lead = next((g for g, m in memberships if m is g.members[0]), None)
    return lead or (memberships[0][0] if memberships else alone)
