"""Separation of duties: who may take each step of the case flow, read from `hub/data/duties.yaml`.

A step is allowed only when a row of the file names it (`from>to`), lists the user's role, the case
is inside the user's area, and no condition of the row refuses the user. Anything else is refused
with the rule that refused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from hub.people.scopes import Principal

DUTIES_FILE = Path(__file__).resolve().parents[1] / "data" / "duties.yaml"
QUEUES = ("todo", "doing", "done")


class Case(Protocol):
    state: str
    district_code: str | None
    town_code: str | None
    department: str | None


@dataclass(frozen=True, slots=True)
class Rule:
    step: str  # "from>to"
    name: str
    roles: tuple[str, ...]
    not_handling_department: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "name": self.name, "roles": list(self.roles),
                "not_handling_department": self.not_handling_department, "file": "hub/data/duties.yaml"}


class Refused(Exception):
    """A step the duties do not allow this user: the rule (None when no rule names the step) and why."""

    def __init__(self, step: str, rule: Rule | None, reason: str) -> None:
        super().__init__(reason)
        self.step, self.rule, self.reason = step, rule, reason

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "step": self.step,
                "rule": self.rule.to_dict() if self.rule else {"step": self.step, "rule": "deny unless a row allows",
                                                               "file": "hub/data/duties.yaml"}}


class Duties:
    def __init__(self, rules: dict[str, Rule], queues: dict[str, dict[str, tuple[str, ...]]]) -> None:
        self.rules, self.queues = rules, queues

    def check(self, who: Principal, case: Case, to: str) -> Rule:
        """The rule that allows `who` to move `case` to `to`; `Refused` otherwise."""
        step = f"{case.state}>{to}"
        rule = self.rules.get(step)
        if rule is None:
            raise Refused(step, None, f"no rule of duties.yaml allows the step {step}")
        if who.role not in rule.roles:
            raise Refused(step, rule, f"{rule.name} ({step}) is for {', '.join(rule.roles)}, not {who.role}")
        if not who.area.admits(case.district_code, case.town_code, case.department):
            raise Refused(step, rule, f"the case is outside {who.name}'s area {who.area.to_dict()}")
        if rule.not_handling_department and who.area.department and who.area.department == case.department:
            raise Refused(step, rule, f"{rule.name} is never done by the handling department ({case.department})")
        return rule

    def allowed(self, who: Principal, case: Case, next_states: list[str]) -> list[str]:
        """Those of `next_states` that `who` may take now."""
        allowed = []
        for to in next_states:
            try:
                self.check(who, case, to)
            except Refused:
                continue
            allowed.append(to)
        return allowed

    def queue(self, role: str) -> dict[str, tuple[str, ...]]:
        return self.queues.get(role) or self.queues.get("leader") or {q: () for q in QUEUES}


def parse_duties(doc: dict[str, Any], where: str = "duties.yaml") -> Duties:
    rules: dict[str, Rule] = {}
    for step, row in (doc.get("steps") or {}).items():
        if ">" not in str(step) or not isinstance(row, dict) or not row.get("roles"):
            raise ValueError(f"{where}: step {step!r} needs the form from>to and a list of roles")
        rules[str(step)] = Rule(str(step), str(row.get("name") or step), tuple(str(r) for r in row["roles"]),
                                bool(row.get("not_handling_department", False)))
    queues = {str(role): {q: tuple(str(s) for s in (row or {}).get(q) or ()) for q in QUEUES}
              for role, row in (doc.get("queues") or {}).items()}
    return Duties(rules, queues)


@cache
def load_duties(path: Path = DUTIES_FILE) -> Duties:
    return parse_duties(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, str(path))
