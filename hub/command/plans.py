"""Response plans (预案, ``hub/data/response_plans.yaml``): what to send to an incident, by group and severity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PLANS = Path(__file__).resolve().parent.parent / "data" / "response_plans.yaml"


class PlanError(ValueError):
    """A plan file that cannot be used: the reason names the plan and level."""


@dataclass(frozen=True, slots=True)
class Level:
    min_severity: int
    line: str  # the plan line a dispatcher reads: why these units
    send: tuple[tuple[str, int], ...]  # (capability, how many), in the file's order
    check: tuple[str, ...]  # site kinds to look up nearby


@dataclass(frozen=True, slots=True)
class Plan:
    group: str
    name: str
    levels: tuple[Level, ...]

    def level_for(self, severity: int) -> Level:
        chosen = self.levels[0]
        for level in self.levels:
            if severity >= level.min_severity:
                chosen = level
        return chosen


def parse_plans(raw: Any, where: str, capabilities: set[str] | None = None,
                site_kinds: set[str] | None = None) -> dict[str, Plan]:
    if not isinstance(raw, dict) or not isinstance(raw.get("plans"), list):
        raise PlanError(f"{where}: needs a list `plans`")
    out: dict[str, Plan] = {}
    for i, p in enumerate(raw["plans"]):
        at = f"{where}: plans[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("group"), str) or not isinstance(p.get("levels"), list):
            raise PlanError(f"{at}: needs `group` and a list `levels`")
        if p["group"] in out:
            raise PlanError(f"{at}: group {p['group']} has two plans")
        levels = []
        for j, lv in enumerate(p["levels"]):
            here = f"{at} ({p['group']}) levels[{j}]"
            send = lv.get("send") if isinstance(lv, dict) else None
            if not isinstance(send, dict) or not send or not all(isinstance(n, int) and n > 0 for n in send.values()):
                raise PlanError(f"{here}: `send` maps capabilities to positive counts")
            unknown = sorted(set(send) - capabilities) if capabilities is not None else []
            if unknown:
                raise PlanError(f"{here}: unknown capabilities {unknown}")
            check = tuple(lv.get("check") or ())
            bad_kinds = sorted(set(check) - site_kinds) if site_kinds is not None else []
            if bad_kinds:
                raise PlanError(f"{here}: unknown site kinds {bad_kinds}")
            severity = lv.get("min_severity", 0)
            if not isinstance(severity, int) or not 0 <= severity <= 4:
                raise PlanError(f"{here}: min_severity is 0 … 4")
            levels.append(Level(severity, str(lv.get("line") or p.get("name") or p["group"]),
                                tuple((str(k), int(v)) for k, v in send.items()), tuple(str(c) for c in check)))
        if not levels or [lv.min_severity for lv in levels] != sorted({lv.min_severity for lv in levels}):
            raise PlanError(f"{at}: levels need rising, distinct min_severity")
        out[p["group"]] = Plan(p["group"], str(p.get("name") or p["group"]), tuple(levels))
    return out


def load_plans(path: Path = PLANS, capabilities: set[str] | None = None,
               site_kinds: set[str] | None = None) -> dict[str, Plan]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise PlanError(f"{path}: {err}") from None
    return parse_plans(raw, str(path), capabilities, site_kinds)
