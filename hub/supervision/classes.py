"""The case classes (管理部件和事件分类, GB/T 30428.2) of `hub/data/categories.yaml`, and the class each
event type raises, as its adapter's declaration names it (`raises` of adapters.base.Adapter).

Loading checks the whole table, so a city's edit that leaves a class without its 立案条件, 处置时限,
结案条件 or a department for everywhere, an event type pointing at no class, or a city extension
not marked as one, fails at start-up with the class named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from adapters.registry import case_types
from hub.supervision.worktime import Limit, parse_limit

CATEGORIES = Path(__file__).resolve().parents[1] / "data" / "categories.yaml"
KINDS = ("部件", "事件")
STANDARD_MAJORS = tuple(f"{n:02d}" for n in range(1, 7))
FIRST_EXTENSION_SMALL = 50


@dataclass(frozen=True, slots=True)
class CaseClass:
    code: str  # 部件/0103
    name: str  # 雨水井盖
    major: str  # 公用设施
    filing: str  # 立案条件
    limit: Limit  # 处置时限
    closing: str  # 结案条件
    responsible: Mapping[str, str]  # town or district code → department; "*" everywhere else
    extension: bool = False
    hotline_terms: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.major}/{self.name}"

    def department_at(self, district: str | None, town: str | None = None) -> str:
        """The responsible department at a place: the town's row, else the district's, else "*"."""
        for code in (town, district):
            if code and code in self.responsible:
                return self.responsible[code]
        return self.responsible["*"]


@dataclass(frozen=True)
class ClassTable:
    classes: Mapping[str, CaseClass]
    types: Mapping[str, Mapping[str, Any]]  # event type → category, category_name, severity, plan_items

    def of_case(self, title: str | None, event_type: str) -> CaseClass | None:
        """The class of a case: the class whose name ("街面秩序/无照经营游商") its title carries, else its
        event type's class."""
        named = [c for c in self.classes.values() if title and c.full_name in title]
        if named:
            return max(named, key=lambda c: len(c.full_name))
        code = self.types.get(event_type, {}).get("category")
        return self.classes.get(str(code)) if code else None

    def of_report(self, chosen: Any) -> CaseClass | None:
        """The class a reporter chose: a class code ("部件/0103"), or a 12345 category path (a list or
        "/"-separated text) one of whose parts is a class's hotline term, the most specific part first."""
        if isinstance(chosen, str) and chosen in self.classes:
            return self.classes[chosen]
        parts = chosen.split("/") if isinstance(chosen, str) else chosen if isinstance(chosen, list) else []
        for part in reversed([str(p) for p in parts]):
            for case_class in self.classes.values():
                if part in case_class.hotline_terms:
                    return case_class
        return None


def _class(code: str, row: Any, majors: Mapping[str, Any]) -> CaseClass:
    kind, _, digits = code.partition("/")
    if kind not in KINDS or len(digits) != 4 or not digits.isdigit():
        raise ValueError(f"class {code!r}: a code is 部件|事件/NNNN")
    major = majors.get(f"{kind}/{digits[:2]}")
    if not isinstance(row, dict) or not isinstance(major, dict):
        raise ValueError(f"class {code}: no major class {kind}/{digits[:2]} in majors, or not a mapping")
    missing = [k for k in ("name", "filing", "limit", "closing", "responsible") if not row.get(k)]
    if missing:
        raise ValueError(f"class {code}: lacks {', '.join(missing)}")
    responsible = {str(k): str(v) for k, v in dict(row["responsible"]).items()}
    if "*" not in responsible:
        raise ValueError(f"class {code}: responsible has no \"*\" row for everywhere else")
    extension = bool(row.get("extension"))
    must_be = bool(major.get("extension")) or int(digits[2:]) >= FIRST_EXTENSION_SMALL
    if must_be != extension:
        raise ValueError(f"class {code}: extension must be {must_be} (city extensions are majors from 10, "
                         f"small classes from {FIRST_EXTENSION_SMALL})")
    try:
        limit = parse_limit(str(row["limit"]))
    except ValueError as err:
        raise ValueError(f"class {code}: {err}") from None
    return CaseClass(code, str(row["name"]), str(major["name"]), str(row["filing"]), limit,
                     str(row["closing"]), responsible, extension,
                     tuple(str(t) for t in row.get("hotline_terms", ())))


def parse_class_table(doc: Any) -> ClassTable:
    """`majors` and `classes` as categories.yaml holds them, and `types`: event type → category, severity
    and plan items."""
    if not isinstance(doc, dict):
        raise ValueError("categories: expected majors, classes and types")
    majors = doc.get("majors") or {}
    classes = {str(code): _class(str(code), row, majors) for code, row in (doc.get("classes") or {}).items()}
    types: dict[str, dict[str, Any]] = {}
    for event_type, row in (doc.get("types") or {}).items():
        case_class = classes.get(str((row or {}).get("category")))
        if case_class is None:
            raise ValueError(f"type {event_type}: category {(row or {}).get('category')!r} is not a class")
        types[str(event_type)] = {"category": case_class.code, "category_name": case_class.full_name,
                                  "severity": int(row.get("severity", 0)),
                                  "plan_items": [str(p) for p in row.get("plan_items", ())]}
    return ClassTable(classes, types)


@cache
def class_table(path: Path = CATEGORIES) -> ClassTable:
    """The classes of `path` with the declared event types' classes (`types`)."""
    return parse_class_table(yaml.safe_load(path.read_text(encoding="utf-8")) | {"types": case_types()})
