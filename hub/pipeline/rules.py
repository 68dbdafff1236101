"""Rules as data (`hub/data/rules.yaml`): thresholds and conditions that raise alarms.

A rule names the event types it looks at and conditions over the event's `data`
("level_m > warning_level_m", "aqi > 200", "state == 'fire'"). When all hold, the rule's id
goes into `event.hub.alarms` and the event's severity is raised to the rule's. This step runs
in the pipeline on each batch before store, so the stored event carries its alarms.

Rules of kind `unresolved` are time-based: an event matching `when` opens a timer keyed by
`key` fields (e.g. the panel id), one matching `clear_when` closes it, and a timer still open
after `within_min` minutes raises the alarm. They need state, which `hub.incidents.timers`
keeps in the incident store; this module only describes them.

Condition grammar: `<field> <op> <operand>`; field is a dotted path into `data` (or `ce.<attr>`
for a CloudEvent attribute, `hub.<field>` for the hub's block); ops `> >= < <= == != in
not in ~ exists` (`~` is a regular-expression search); the operand is a number, a quoted
string, a [list], true/false, or another field (bare name).
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hub.events import Event

log = logging.getLogger(__name__)
DATA = Path(__file__).resolve().parents[1] / "data"
CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s+(>=|<=|==|!=|>|<|not in|in|~|exists)\s*(.*?)\s*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][\w.]*$")
MISSING = object()
ROOTS = frozenset(("ce", "hub", "device"))  # a path's first part that reads outside `data`


class RuleError(ValueError):
    """A rule file or condition that cannot be understood; the text says where and why."""


@dataclass(frozen=True, slots=True)
class FieldRef:
    path: str


def _equal(left: Any, right: Any) -> bool:
    return left == right and isinstance(left, bool) == isinstance(right, bool)


def _ordered(order: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    """An order test: never between a bool and anything, nor between a string and a non-string."""
    def test(left: Any, right: Any) -> bool:
        if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, str) != isinstance(right, str):
            return False
        return bool(order(left, right))
    return test


ORDER: dict[str, Callable[[Any, Any], Any]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
    "~": lambda left, right: re.search(str(right), str(left)) is not None,
    "==": _equal,
    "!=": lambda left, right: not _equal(left, right),
    **{op: _ordered(order) for op, order in ORDER.items()},
}


def _no_test(left: Any, right: Any) -> bool:
    raise KeyError("an operator with no comparison")


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    path: str
    op: str
    operand: Any = None
    _parts: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)
    _operand_parts: tuple[str, ...] | None = field(default=None, init=False, repr=False, compare=False)
    _test: Callable[[Any, Any], bool] = field(default=_no_test, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:  # the dotted paths split and the operator's test found once, not per event
        object.__setattr__(self, "_parts", tuple(self.path.split(".")))
        if isinstance(self.operand, FieldRef):
            object.__setattr__(self, "_operand_parts", tuple(self.operand.path.split(".")))
        if self.op in TESTS:
            object.__setattr__(self, "_test", TESTS[self.op])

    def holds(self, view: dict[str, Any]) -> bool:
        left = _lookup(view, self._parts)
        if self.op == "exists":
            return left is not MISSING and left is not None
        right = self.operand if self._operand_parts is None else _lookup(view, self._operand_parts)
        if left is MISSING or right is MISSING or left is None or right is None:
            return False
        try:
            return self._test(left, right)
        except (TypeError, re.error):
            return False


def lookup(view: dict[str, Any], path: str) -> Any:
    """`data.x.y` from the view {"data": …, "ce": …, "hub": …, "device": …}; bare paths are read under
    `data`, and where the event does not carry a field, from its device's record in the registry
    (一机一档: a river gauge's warning level is a fact of the station, not of each reading)."""
    return _lookup(view, tuple(path.split(".")))


def _lookup(view: dict[str, Any], parts: tuple[str, ...]) -> Any:
    head = parts[0]
    if head in ROOTS:
        return _walk(view, parts)
    if len(parts) == 1:  # a field of the data, else of the device: the common case, without the walk
        node = view.get("data", {})
        if isinstance(node, dict) and head in node:
            return node[head]
        node = view.get("device") or {}
        return node[head] if isinstance(node, dict) and head in node else MISSING
    found = _walk(view.get("data", {}), parts)
    return _walk(view.get("device") or {}, parts) if found is MISSING else found


def _walk(node: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def parse_condition(text: str) -> Condition:
    match = CONDITION.match(str(text))
    if not match:
        raise RuleError(f"condition {text!r} is not '<field> <op> <operand>'")
    path, op, rest = match.groups()
    if op == "exists":
        if rest:
            raise RuleError(f"condition {text!r}: 'exists' takes no operand")
        return Condition(text, path, op)
    if not rest:
        raise RuleError(f"condition {text!r} has no operand")
    if IDENTIFIER.match(rest) and rest not in ("true", "false", "null"):
        return Condition(text, path, op, FieldRef(rest))
    try:
        operand = yaml.safe_load(rest)
    except yaml.YAMLError as err:
        raise RuleError(f"condition {text!r}: operand {rest!r} unreadable: {err}") from None
    if op in ("in", "not in") and not isinstance(operand, list):
        raise RuleError(f"condition {text!r}: '{op}' needs a [list]")
    if op == "~":
        try:
            re.compile(str(operand))
        except re.error as err:
            raise RuleError(f"condition {text!r}: bad regular expression: {err}") from None
    return Condition(text, path, op, operand)


def parse_conditions(texts: Iterable[str] | None) -> tuple[Condition, ...]:
    return tuple(parse_condition(t) for t in texts or ())


def event_view(event: Event, device: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"data": event.ce.get("data") or {}, "ce": event.ce, "hub": vars(event.hub) if event.hub else {},
            "device": device or {}}


def all_hold(conditions: tuple[Condition, ...], view: dict[str, Any]) -> bool:
    for condition in conditions:  # noqa: SIM110 (a plain loop: all() over a generator costs more per event)
        if not condition.holds(view):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    types: tuple[str, ...]
    when: tuple[Condition, ...]
    severity: int
    kind: str = "threshold"  # "threshold" | "unresolved"
    clear_when: tuple[Condition, ...] = ()
    key: tuple[str, ...] = ()
    within_min: float = 0.0
    note: str = ""

    def covers(self, event_type: str) -> bool:
        return any(fnmatchcase(event_type, pattern) for pattern in self.types)

    def key_of(self, view: dict[str, Any]) -> str | None:
        values = [lookup(view, k) for k in self.key]
        if any(v is MISSING or v is None for v in values):
            return None
        return "|".join(str(v) for v in values)


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...]
    by_id: dict[str, Rule] = field(default_factory=dict)
    # threshold rules covering each event type: fnmatch once per type, not once per event and rule
    _thresholds_of: dict[str, tuple[Rule, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id.update({r.id: r for r in self.rules})

    @property
    def thresholds(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "threshold")

    @property
    def timed(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "unresolved")

    def thresholds_of(self, event_type: str) -> tuple[Rule, ...]:
        found = self._thresholds_of.get(event_type)
        if found is None:
            found = self._thresholds_of[event_type] = tuple(r for r in self.thresholds if r.covers(event_type))
        return found

    def apply(self, events: list[Event], device_meta: Callable[[str], dict[str, Any]] | None = None) -> None:
        """Pipeline step: set `hub.alarms` and raise severity. A rule that fails on an event is logged, never raised.
        `device_meta(device_id)` gives the registry's facts of a device that readings may omit."""
        meta_of: dict[str, dict[str, Any] | None] = {}  # source → its device's facts, read once per batch
        for event in events:
            if event.hub is None:
                continue
            ce = event.ce
            rules = self._thresholds_of.get(ce["type"])
            if rules is None:
                rules = self.thresholds_of(ce["type"])
            if not rules:
                continue
            meta = None
            if device_meta:
                source = ce["source"]
                if source in meta_of:
                    meta = meta_of[source]
                else:
                    meta = meta_of[source] = device_meta(event.device_id)
            view = event_view(event, meta)
            for rule in rules:
                try:
                    fired = all_hold(rule.when, view)
                except Exception:
                    log.exception("rule %s failed on event %s", rule.id, event.key)
                    continue
                if fired and rule.id not in event.hub.alarms:
                    event.hub.alarms.append(rule.id)
                    event.hub.severity = max(event.hub.severity, rule.severity)

    def name(self, rule_id: str) -> str:
        rule = self.by_id.get(rule_id)
        return rule.name if rule else rule_id


def _rule(row: dict[str, Any], where: str) -> Rule:
    try:
        kind = row.get("kind", "threshold")
        if kind not in ("threshold", "unresolved"):
            raise RuleError(f"unknown kind {kind!r}")
        severity = int(row.get("severity", 3))
        if not 0 <= severity <= 4:
            raise RuleError(f"severity {severity} outside 0..4")
        rule = Rule(str(row["id"]), str(row.get("name", row["id"])), tuple(row["types"]),
                    parse_conditions(row.get("when")), severity, kind,
                    parse_conditions(row.get("clear_when")), tuple(row.get("key", ())),
                    float(row.get("within_min", 0)), str(row.get("note", "")))
    except (KeyError, TypeError, ValueError) as err:
        raise RuleError(f"{where}: {type(err).__name__}: {err}") from None
    if kind == "unresolved" and not (rule.clear_when and rule.key and rule.within_min > 0):
        raise RuleError(f"{where}: an 'unresolved' rule needs clear_when, key and within_min > 0")
    return rule


def parse_rules(doc: Any, origin: str = "rules") -> RuleBook:
    rows = doc.get("rules") if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise RuleError(f"{origin}: expected a mapping with a 'rules' list")
    rules = tuple(_rule(row, f"{origin} rule {i} ({row.get('id', '?')})") for i, row in enumerate(rows))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RuleError(f"{origin}: duplicate rule ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return RuleBook(rules)


@cache
def load_rules(path: Path = DATA / "rules.yaml") -> RuleBook:
    return parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
