"""Correlation: events become incidents by place, related type and time window. Pure code.

An event joins an open incident of a group that admits its type (see `related.py`) when it
happened within the group's window of the incident's events and lies in the same or a
neighbouring unit-grid cell, or within the group's radius of the incident's first point. Of
several candidates the nearest wins. An event that joins nothing opens a new incident when it
carries an alarm, or its severity reaches `open_severity`; otherwise it is left alone.

An incident's place (its anchor point, its cells, the radius test) comes from its located
members only. A district-wide member (`scope: district`, a weather warning) is context: it is
linked to every open incident of its groups in its district within the window, and moves none
of them. When it opens an incident (nothing open in its district takes it), that incident has
no place; the first located alarm of its group in the district within the window, which would
otherwise open an incident of its own, joins it and gives it its place.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from hub.incidents.flow import OPEN, due_at
from hub.incidents.model import EARTH_M, Incident, Sighting, distance_m
from hub.incidents.related import Group, Member, RelatedTypes
from hub.pipeline.rules import all_hold

Neighbours = Callable[[str, str], bool]
MAX_CELLS = 64
BUCKET_M = 1000  # the join radius of a kind the index is not told about
MIN_BUCKET_M = 100  # the spatial index's smallest buckets; a kind's buckets are half its radius wide
M_PER_DEG = 100_000  # fewer metres than a degree of longitude (≥ 102 km) or of latitude in Jiangmen
MISSING = object()
NAME_FIELDS = ("name", "title", "headline", "site_name", "bridge_name", "point_name", "building")


@dataclass(slots=True)
class Decision:
    sighting: Sighting
    incident: Incident
    opened: bool
    new_alarms: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Choice:
    """A group an event type might join: its members of that type, the one member that always takes
    the type (none when conditions decide), and whether any of them joins by place or by district."""

    group: Group
    members: tuple[Member, ...]
    member: Member | None
    by_place: bool
    by_district: bool
    alone: bool = False  # the type's own group: only for events that open, or that some listed group takes


class Correlator:
    def __init__(self, related: RelatedTypes, rule_name: Callable[[str], str] = str,
                 stage_limits_h: dict[str, float] | None = None, neighbours: Neighbours | None = None) -> None:
        self.related, self.rule_name = related, rule_name
        self.stage_limits_h = stage_limits_h or {}
        self.neighbours = neighbours
        self.around: Callable[[str], frozenset[str]] | None = getattr(neighbours, "around", None)
        self._fixed: dict[str, object] = {}  # event type → its memberships when no condition decides them
        self._choices: dict[str, tuple[Choice, ...]] = {}
        self._district_only: dict[str, bool] = {}

    def memberships(self, sighting: Sighting) -> list[tuple[Group, Member]]:
        """The groups this sighting could join (their member conditions hold), in the table's order."""
        fixed = self._fixed.get(sighting.type, MISSING)
        if fixed is MISSING:
            candidates = self.related.candidates(sighting.type)
            # without conditions on the first member of each group that has the type, the answer is the type's
            fixed = self._fixed[sighting.type] = [(g, ms[0]) for g, ms in candidates] if all(
                not ms[0].when for _, ms in candidates) else None
        if fixed is not None:
            return fixed  # type: ignore[return-value]
        return self.related.groups_of(sighting.type, sighting.view())

    def relevant(self, sighting: Sighting) -> bool:
        """Could this event open or join anything? Most events (parking, flows) cannot."""
        return self.opens(sighting) or bool(self.memberships(sighting))

    def opens(self, sighting: Sighting) -> bool:
        return bool(sighting.alarms) or sighting.severity >= self.related.open_severity

    def kinds(self, sightings: list[Sighting]) -> set[str]:
        """The incident kinds (groups) these sightings could join or open."""
        return {g.id for s in sightings for g, _ in self.memberships(s)} | {s.type for s in sightings}

    def index(self) -> Index:
        return Index(self.around, lambda kind: self.related.group(kind).radius_m)

    def correlate(self, sightings: list[Sighting], incidents: list[Incident], now: float) -> list[Decision]:
        """Decide for each sighting, in event-time order; incidents opened here take later sightings."""
        index = self.index()
        for incident in incidents:
            if incident.state in OPEN:
                index.add(incident)
        return self.decide(sightings, index, now)

    def decide(self, sightings: list[Sighting], index: Index, now: float, relevant_only: bool = False
               ) -> list[Decision]:
        """`correlate` on an index the caller keeps (the engine's open incidents between batches): joins and
        openings update it, so it stays the index of the open incidents as the decisions leave them.
        With `relevant_only`, a sighting that is not `relevant` decides nothing (as if it were not given)."""
        decisions: list[Decision] = []
        district_only, opens = self._district_only, self.opens
        for sighting in sorted(sightings, key=attrgetter("time")):
            only = district_only.get(sighting.type)
            if only is None:
                only = self.district_only(sighting.type)
            if only:
                wide = [(g, m) for g, m in self.memberships(sighting) if m.scope == "district"]
                if wide:
                    decisions.extend(self.attach(sighting, wide, index, now))
                    continue
            target = self.match(sighting, index, relevant_only)
            if target is None and index.placeless and opens(sighting):
                target = self.adoptive(sighting, index)
                if target is not None:
                    decisions.append(self.join(target, sighting, now))
                    index.place(target)
                    continue
            if target is not None:
                had = len(target.cells)
                decisions.append(self.join(target, sighting, now))
                if len(target.cells) != had:
                    index.add_cell(target, sighting.grid_code)
            elif opens(sighting):
                group = opening_group(self.memberships(sighting), self.related.alone(sighting.type))
                incident = self.open(sighting, group, now)
                index.add(incident)
                decisions.append(Decision(sighting, incident, True, list(sighting.alarms)))
        return decisions

    def district_only(self, event_type: str) -> bool:
        """Do the listed groups take this type only district-wide (a weather warning)? Decided once per type."""
        found = self._district_only.get(event_type)
        if found is None:
            listed = [c for c in self.choices(event_type) if not c.alone]
            found = self._district_only[event_type] = bool(listed) and not any(c.by_place for c in listed)
        return found

    def attach(self, s: Sighting, wide: list[tuple[Group, Member]], index: Index, now: float) -> list[Decision]:
        """A district-wide member joins, as context, every open incident of its groups in its district whose
        window it falls in, and moves none of them; with none to join, an alarm opens one without a place."""
        found: dict[int, Incident] = {}
        for group, _member in wide:
            window = group.window_min * 60
            for incident in index.by_district.get((group.id, s.district_code), ()) if s.district_code else ():
                if incident.state in OPEN and incident.opened_at - window <= s.time <= incident.last_event_at + window:
                    found.setdefault(id(incident), incident)
        if found:
            return [self.join(incident, s, now, context=True)
                    for incident in sorted(found.values(), key=index.rank)]
        if not self.opens(s):
            return []
        incident = self.open(s, opening_group(wide, self.related.alone(s.type)), now, placed=False)
        index.add(incident)
        return [Decision(s, incident, True, list(s.alarms))]

    def adoptive(self, s: Sighting, index: Index) -> Incident | None:
        """An open incident without a place (opened by a district-wide member) that this located alarm, a
        place member of its group in the same district and window, joins instead of opening its own, giving
        it its place: the oldest such."""
        if s.lon is None or s.lat is None or not s.district_code:
            return None
        found: Incident | None = None
        for group, member in self.memberships(s):
            if member.scope == "district":
                continue
            window = group.window_min * 60
            for incident in index.placeless.get((group.id, s.district_code), ()):
                if incident.state in OPEN and incident.opened_at - window <= s.time <= incident.last_event_at + window \
                        and (found is None or index.older(incident, found)):
                    found = incident
        return found

    def choices(self, event_type: str) -> tuple[Choice, ...]:
        """The groups an event of this type might join, in the table's order and then its own (`alone`)."""
        found = self._choices.get(event_type)
        if found is None:
            alone = self.related.alone(event_type)
            found = self._choices[event_type] = tuple(
                Choice(g, ms, None if ms[0].when else ms[0], any(m.scope != "district" for m in ms),
                       any(m.scope == "district" for m in ms), g is alone)
                for g, ms in (*self.related.candidates(event_type), (alone, alone.members)))
        return found

    def match(self, s: Sighting, index: Index, relevant_only: bool = False) -> Incident | None:
        """The nearest open incident that takes the sighting; of equally near ones the older (first
        indexed), and across groups the group listed first. (`gap` says what near enough is; this is
        it, unrolled, with the index telling which incidents touch the sighting's cell.) A group's member
        conditions are only read when the group has incidents near the sighting."""
        if index.around is None:
            return self._match_each(s, index, relevant_only)
        best: Incident | None = None
        best_gap = 0.0
        when, lon, lat = s.time, s.lon, s.lat
        placed = lon is not None and lat is not None
        if placed:
            p1 = math.radians(lat)  # type: ignore[arg-type]
            c1 = math.cos(p1)
        view: dict[str, Any] | None = None
        radians, sin, cos = math.radians, math.sin, math.cos
        for choice in self._choices.get(s.type) or self.choices(s.type):
            kind = choice.group.id
            if kind not in index.by_kind or not choice.by_place:
                continue  # district-wide members are context (`attach`), never matched by place
            if relevant_only and choice.alone and not self.opens(s) and not self.memberships(s):
                continue  # not relevant: no listed group takes it (the others found none) and it opens nothing
            nearby, celled = index.nearby(s, kind)
            if not nearby:
                continue
            member = choice.member
            if member is None:
                if view is None:
                    view = s.view()
                member = next((m for m in choice.members if all_hold(m.when, view)), None)
                if member is None or member.scope == "district":
                    continue
            group = choice.group
            window = group.window_min * 60
            radius = group.radius_m
            found = None
            found_gap = 0.0
            for incident in nearby:
                if not incident.opened_at - window <= when <= incident.last_event_at + window:
                    continue
                if incident.state not in OPEN:  # closed since it was indexed
                    continue
                apart = None
                if placed and incident.lon is not None and incident.lat is not None:
                    p2 = radians(incident.lat)
                    dp, dl = p2 - p1, radians(incident.lon - lon)  # type: ignore[operator]
                    a = sin(dp / 2) ** 2 + c1 * cos(p2) * sin(dl / 2) ** 2
                    apart = 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))  # as model.distance_m
                if apart is not None and apart <= radius:
                    gap = apart
                elif celled is not None and id(incident) in celled:  # it touches the sighting's cell
                    gap = apart or 0.0
                else:
                    continue
                if found is None or gap < found_gap or (gap == found_gap and index.older(incident, found)):
                    found, found_gap = incident, gap
            if found is not None and (best is None or found_gap < best_gap):
                best, best_gap = found, found_gap
        return best

    def _match_each(self, s: Sighting, index: Index, relevant_only: bool) -> Incident | None:
        """`match` without a neighbour table: the general test (`gap`), candidate by candidate."""
        best: Incident | None = None
        best_gap = 0.0
        view: dict[str, Any] | None = None
        for choice in self.choices(s.type):
            group = choice.group
            if group.id not in index.by_kind:
                continue
            if relevant_only and choice.alone and not self.opens(s) and not self.memberships(s):
                continue
            if view is None:
                view = s.view()
            member = group.member_for(s.type, view)
            if member is None or member.scope == "district":
                continue
            found, found_gap = self._nearest(s, group, member, index)
            if found is not None and (best is None or found_gap < best_gap):
                best, best_gap = found, found_gap
        return best

    def _nearest(self, s: Sighting, group: Group, member: Member, index: Index) -> tuple[Incident | None, float]:
        window = group.window_min * 60
        found: Incident | None = None
        found_gap = 0.0
        for incident in index.near(s, group, member):
            if not incident.opened_at - window <= s.time <= incident.last_event_at + window:
                continue
            if incident.state not in OPEN:
                continue
            gap = self.gap(s, member, group, incident)
            if gap is not None and (found is None or gap < found_gap or (
                    gap == found_gap and index.older(incident, found))):
                found, found_gap = incident, gap
        return found, found_gap

    def gap(self, s: Sighting, member: Member, group: Group, incident: Incident) -> float | None:
        """How far the sighting is from the incident, or None when it is not near enough to join."""
        apart = None
        if s.lon is not None and s.lat is not None and incident.lon is not None and incident.lat is not None:
            apart = distance_m(s.lon, s.lat, incident.lon, incident.lat)
        if member.scope == "district":
            return None  # context, never a match by place (`attach`)
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
        around = self.around
        if around is not None:
            near = around(grid_code)
            return incident.grid_code in near or not near.isdisjoint(incident.cells)
        return any(self.neighbours(grid_code, c) for c in (*incident.cells, incident.grid_code) if c)

    def join(self, incident: Incident, s: Sighting, now: float, context: bool = False) -> Decision:
        """The sighting becomes a member. A located member that is not context gives a placeless incident
        its place and adds its cell; context (a district-wide member) never changes where the incident is."""
        new = [a for a in s.alarms if a not in incident.alarms] if s.alarms else []
        if new:
            incident.alarms += new
        if s.severity > incident.severity:
            incident.severity = s.severity
        if s.time > incident.last_event_at:
            incident.last_event_at = s.time
        incident.member_count += 1
        if not context:
            if not has_place(incident) and s.lon is not None and s.lat is not None:
                incident.lon, incident.lat, incident.grid_code = s.lon, s.lat, s.grid_code
                incident.town_code, incident.town_name = s.town_code, s.town_name
            if s.grid_code and s.grid_code not in incident.cells and len(incident.cells) < MAX_CELLS:
                incident.cells.append(s.grid_code)
        incident.updated_at = now
        return Decision(s, incident, False, new)

    def open(self, s: Sighting, group: Group, now: float, placed: bool = True) -> Incident:
        """A new incident of the sighting; `placed=False` (a district-wide opener) leaves its place empty."""
        lon, lat, grid, town, town_name = (s.lon, s.lat, s.grid_code, s.town_code, s.town_name) if placed else (
            None, None, None, None, None)
        return Incident(
            None, group.id, s.type, self.title(s, group), "reported", s.severity, lon, lat, grid,
            s.district_code, s.district_name, town, town_name, s.department, s.time_limit_h,
            opened_at=s.time, created_at=now, updated_at=now, last_event_at=s.time, state_since=now,
            due_at=due_at("reported", now, None, s.time_limit_h, self.stage_limits_h),
            member_count=1, alarms=list(s.alarms), cells=[grid] if grid else [])

    def title(self, s: Sighting, group: Group) -> str:
        what = self.rule_name(s.alarms[0]) if s.alarms else (s.label or s.type)
        head = what if group.name in (what, group.id) else f"{group.name}：{what}"
        named = next((s.data[k] for k in NAME_FIELDS if isinstance(s.data.get(k), str) and s.data[k]), None)
        if named:
            head += f"「{named[:40]}」"
        where = "".join(x for x in (s.district_name, s.town_name) if x)
        place = " ".join(x for x in (where, s.address) if x)
        return f"{head} · {place}" if place else head


def has_place(incident: Incident) -> bool:
    return (incident.lon is not None and incident.lat is not None) or bool(incident.grid_code or incident.cells)


def bucket(lon: float, lat: float, step_deg: float) -> tuple[int, int]:
    return math.floor(lon / step_deg), math.floor(lat / step_deg)


class Index:
    """Open incidents by kind and place, so a sighting looks only at the incidents that could take it:
    those whose first point lies within the group's radius, those with the sighting's cell or a
    neighbouring one among their cells, and for district-wide members those of the district.

    Each incident is filed under every key a sighting could ask with: its first point under the
    buckets within the kind's radius of its own (buckets half the radius wide), its cells under
    themselves and their neighbours. A sighting then asks one bucket and one cell per group.
    Filing costs more than asking, which suits an index kept between batches."""

    def __init__(self, around: Callable[[str], frozenset[str]] | None = None,
                 radius_of: Callable[[str], float] = lambda kind: BUCKET_M) -> None:
        self.around = around  # a cell's neighbouring cells; without it, every incident of the kind is a candidate
        self.radius_of = radius_of  # the join radius of an incident kind (its group's radius_m)
        self.steps: dict[str, tuple[float, int]] = {}  # per kind: bucket side in degrees, buckets its radius spans
        self.by_place: dict[tuple[str, int, int], dict[int, Incident]] = {}
        self.by_cell: dict[tuple[str, str], dict[int, Incident]] = {}  # (kind, cell) → incidents touching it
        self.uncelled: defaultdict[str, list[Incident]] = defaultdict(list)  # by kind, cells not yet filed
        self.by_district: defaultdict[tuple[str, str | None], list[Incident]] = defaultdict(list)
        self.placeless: dict[tuple[str, str | None], list[Incident]] = {}  # opened district-wide, no place yet
        self.by_kind: defaultdict[str, list[Incident]] = defaultdict(list)
        self.order: dict[int, int] = {}  # id(incident) → when it was indexed: of equally near ones, the older wins

    def __len__(self) -> int:
        return len(self.order)

    def older(self, a: Incident, b: Incident) -> bool:
        return self.order[id(a)] < self.order[id(b)]

    def rank(self, incident: Incident) -> int:
        return self.order[id(incident)]

    def add(self, incident: Incident) -> None:
        self.order.setdefault(id(incident), len(self.order))
        kind = incident.kind
        self.by_kind[kind].append(incident)
        self.by_district[(kind, incident.district_code)].append(incident)
        if not has_place(incident):
            self.placeless.setdefault((kind, incident.district_code), []).append(incident)
            return
        self.file_point(incident)
        self.uncelled[kind].append(incident)  # its cells are filed when its kind is first asked for

    def place(self, incident: Incident) -> None:
        """File an incident that has just been given its place (it was `placeless`)."""
        key = (incident.kind, incident.district_code)
        waiting = [i for i in self.placeless.get(key, ()) if i is not incident]
        if waiting:
            self.placeless[key] = waiting
        else:
            self.placeless.pop(key, None)
        self.file_point(incident)
        for cell in (*incident.cells, incident.grid_code):
            self.add_cell(incident, cell)

    def file_point(self, incident: Incident) -> None:
        kind = incident.kind
        if incident.lon is not None and incident.lat is not None:
            step, rings = self.step(kind)
            x, y = bucket(incident.lon, incident.lat, step)
            key = id(incident)
            for dx in range(-rings, rings + 1):
                for dy in range(-rings, rings + 1):
                    found = self.by_place.get((kind, x + dx, y + dy))
                    if found is None:
                        self.by_place[(kind, x + dx, y + dy)] = {key: incident}
                    else:
                        found[key] = incident

    def step(self, kind: str) -> tuple[float, int]:
        found = self.steps.get(kind)
        if found is None:
            radius = self.radius_of(kind)
            step = max(radius, 2 * MIN_BUCKET_M) / 2 / M_PER_DEG
            found = self.steps[kind] = (step, max(1, math.ceil(radius / (step * M_PER_DEG))))
        return found

    def add_cell(self, incident: Incident, cell: str | None) -> None:
        """File the incident under this cell of its own and the cells around it."""
        if not cell:
            return
        kind, key = incident.kind, id(incident)
        for near in (cell, *self.around(cell)) if self.around is not None else (cell,):
            found = self.by_cell.get((kind, near))
            if found is None:
                self.by_cell[(kind, near)] = {key: incident}
            else:
                found[key] = incident

    def file_cells(self, kind: str) -> None:
        """File the cells of the kind's incidents that wait for it (`uncelled`)."""
        for incident in self.uncelled.pop(kind):  # a batch of a few events asks for few kinds
            for cell in incident.cells:
                self.add_cell(incident, cell)
            self.add_cell(incident, incident.grid_code)

    def nearby(self, s: Sighting, kind: str) -> tuple[Collection[Incident], dict[int, Incident] | None]:
        """With a neighbour table: the incidents of the kind near the sighting's point or touching its cell,
        and of those, the ones touching its cell (by id())."""
        placed: dict[int, Incident] | None = None
        if s.lon is not None and s.lat is not None:
            step = self.step(kind)[0]
            placed = self.by_place.get((kind, math.floor(s.lon / step), math.floor(s.lat / step)))
        if not s.grid_code:
            return (placed.values() if placed else ()), None
        if kind in self.uncelled:
            self.file_cells(kind)
        celled = self.by_cell.get((kind, s.grid_code))
        if not celled:
            return (placed.values() if placed else ()), None
        if not placed:
            return celled.values(), celled
        return (placed | celled).values(), celled

    def near(self, s: Sighting, group: Group, member: Member) -> Collection[Incident]:
        kind = group.id
        if member.scope == "district":
            return ()  # context, never a match by place
        placed: dict[int, Incident] | None = None
        if s.lon is not None and s.lat is not None:
            step = self.step(kind)[0]
            placed = self.by_place.get((kind, math.floor(s.lon / step), math.floor(s.lat / step)))
        if not s.grid_code:
            return placed.values() if placed else ()
        if self.around is None:
            listed = self.by_kind.get(kind)
            if not placed or not listed:
                return listed or (placed.values() if placed else ())
            return list(({id(i): i for i in listed} | placed).values())
        return self.nearby(s, kind)[0]


def opening_group(memberships: list[tuple[Group, Member]], alone: Group) -> Group:
    """The group an alarm opens: one it leads (its type is in the group's first member), else the first
    that takes it — so congestion alone opens a traffic incident, not a flood, though it joins a flood."""
    lead = next((g for g, m in memberships if m is g.members[0]), None)
    return lead or (memberships[0][0] if memberships else alone)
