"""The table of related types (关联类型表, `hub/data/related_types.yaml`): which events belong together.

Each group (flood, fire, hazmat …) lists member types, optionally with conditions over their
data (a hotline work order joins a flood only when it is about water), a time window and a
radius. A member with `scope: district` (a weather warning covers a whole district) is linked by
district, as context, to every open incident of the group there, and never moves one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hub.pipeline.rules import Condition, RuleError, all_hold, parse_conditions

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class Member:
    types: tuple[str, ...]
    when: tuple[Condition, ...] = ()
    scope: str = "place"  # "place": same/neighbouring cell or within the radius; "district": anywhere in it

    def admits(self, event_type: str, view: dict[str, Any]) -> bool:
        return self.is_type(event_type) and all_hold(self.when, view)

    def is_type(self, event_type: str) -> bool:
        return any(fnmatchcase(event_type, p) for p in self.types)


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    members: tuple[Member, ...]
    window_min: float = 60
    radius_m: float = 500

    def member_for(self, event_type: str, view: dict[str, Any]) -> Member | None:
        return next((m for m in self.members if m.admits(event_type, view)), None)


@dataclass(frozen=True)
class RelatedTypes:
    groups: tuple[Group, ...]
    open_severity: int = 4
    default_window_min: float = 60
    default_radius_m: float = 500
    # per event type, the groups with members of that type: fnmatch once per type, not once per event
    _candidates: dict[str, tuple[tuple[Group, tuple[Member, ...]], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    _alone: dict[str, Group] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_id: dict[str, Group] = field(default_factory=dict, init=False, repr=False, compare=False)

    def groups_of(self, event_type: str, view: dict[str, Any]) -> list[tuple[Group, Member]]:
        found = []
        for group, members in self.candidates(event_type):
            member = next((m for m in members if all_hold(m.when, view)), None)
            if member is not None:
                found.append((group, member))
        return found

    def candidates(self, event_type: str) -> tuple[tuple[Group, tuple[Member, ...]], ...]:
        """The groups with members of this type (conditions not yet checked): none means it joins nothing."""
        found = self._candidates.get(event_type)
        if found is None:
            typed = ((g, tuple(m for m in g.members if m.is_type(event_type))) for g in self.groups)
            found = self._candidates[event_type] = tuple((g, ms) for g, ms in typed if ms)
        return found

    def alone(self, event_type: str) -> Group:
        """The group of an alarm no listed group takes: itself, and later events of its own type."""
        found = self._alone.get(event_type)
        if found is None:
            found = self._alone[event_type] = Group(event_type, event_type, (Member((event_type,)),),
                                                    self.default_window_min, self.default_radius_m)
        return found

    def group(self, group_id: str) -> Group:
        if not self._by_id and self.groups:
            for g in reversed(self.groups):  # the first of a repeated id wins, as a linear scan would
                self._by_id[g.id] = g
        return self._by_id.get(group_id) or self.alone(group_id)

    @property
    def max_window_min(self) -> float:
        return max([g.window_min for g in self.groups] + [self.default_window_min])


def parse_related(doc: Any, origin: str = "related types") -> RelatedTypes:
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise RuleError(f"{origin}: expected a mapping with a 'groups' list")
    groups = []
    for i, row in enumerate(doc["groups"]):
        try:
            members = tuple(Member(tuple(m["types"]), parse_conditions(m.get("when")), m.get("scope", "place"))
                            for m in row["members"])
            if any(m.scope not in ("place", "district") for m in members):
                raise RuleError("scope must be 'place' or 'district'")
            groups.append(Group(str(row["id"]), str(row.get("name", row["id"])), members,
                                float(row.get("window_min", 60)), float(row.get("radius_m", 500))))
        except (KeyError, TypeError, ValueError) as err:
            raise RuleError(f"{origin} group {i} ({row.get('id', '?')}): {type(err).__name__}: {err}") from None
    return RelatedTypes(tuple(groups), int(doc.get("open_severity", 4)),
                        float(doc.get("default_window_min", 60)), float(doc.get("default_radius_m", 500)))


@cache
def load_related(path: Path = DATA / "related_types.yaml") -> RelatedTypes:
    return parse_related(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
