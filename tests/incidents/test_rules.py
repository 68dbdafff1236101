"""Rules as data: conditions, thresholds raising alarms and severity, the time-based rule's shape, bad files."""

from __future__ import annotations

import random
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from hub import schemas
from hub.events import HubBlock
from hub.incidents.related import load_related
from hub.pipeline.rules import FieldRef, RuleError, load_rules, parse_condition, parse_rules
from tests.incidents.factory import event


def holds(text: str, data: dict[str, object]) -> bool:
    return parse_condition(text).holds({"data": data, "ce": {"type": "city.x.y"}, "hub": {"district_code": "440703"}})


def test_conditions_compare_numbers_strings_lists_fields_and_patterns() -> None:
    assert holds("level_m > warning_level_m", {"level_m": 5.2, "warning_level_m": 5.0})
    assert not holds("level_m > warning_level_m", {"level_m": 4.9, "warning_level_m": 5.0})
    assert not holds("level_m > warning_level_m", {"level_m": 5.2})  # a missing field never fires
    assert holds("depth_cm > 15", {"depth_cm": 15.5}) and not holds("depth_cm > 15", {"depth_cm": 15})
    assert holds("state == 'fire'", {"state": "fire"}) and not holds("state == 'fire'", {"state": "cleared"})
    assert holds("kind in ['a', 'b']", {"kind": "b"}) and holds("kind not in ['a']", {"kind": "b"})
    assert holds("description ~ '水浸|内涝'", {"description": "白沙大道水浸街"})
    assert holds("category ~ '内涝'", {"category": ["城市管理", "内涝积水"]})
    assert holds("over_limit == true", {"over_limit": True}) and not holds("over_limit == true", {"over_limit": 1})
    assert holds("level exists", {"level": 0}) and not holds("level exists", {})
    assert holds("hub.district_code == '440703'", {}) and holds("ce.type == 'city.x.y'", {})
    assert not holds("aqi > 200", {"aqi": "high"})  # a string is never above a number


@pytest.mark.parametrize("text", ["aqi >", "> 200", "aqi >> 200", "kind in 'a'", "x ~ '('", "x exists 3"])
def test_bad_conditions_are_refused_with_the_reason(text: str) -> None:
    with pytest.raises(RuleError, match="condition"):
        parse_condition(text)


def test_a_bad_rule_file_names_the_rule() -> None:
    with pytest.raises(RuleError, match=r"rule 1 \(b\)"):
        parse_rules({"rules": [{"id": "a", "types": ["x"], "when": ["v > 1"]},
                               {"id": "b", "types": ["x"], "when": ["v >"]}]})
    with pytest.raises(RuleError, match="duplicate"):
        parse_rules({"rules": [{"id": "a", "types": ["x"]}, {"id": "a", "types": ["y"]}]})
    with pytest.raises(RuleError, match="unresolved"):
        parse_rules({"rules": [{"id": "a", "kind": "unresolved", "types": ["x"], "when": ["s == 1"]}]})


@pytest.mark.parametrize(("event_type", "data", "alarm", "severity"), [
    ("city.water.level", {"station_id": "S", "level_m": 5.3, "warning_level_m": 5.0}, "water.level.over-warning", 3),
    ("city.water.waterlogging", {"sensor_id": "W", "depth_cm": 22}, "water.waterlogging.deep", 3),
    ("city.env.air", {"station_id": "A", "interval": "hour", "aqi": 236}, "env.air.aqi-over-200", 3),
    ("city.iot.gas", {"sensor_id": "G", "methane_lel_pct": 25}, "iot.gas.over-limit", 4),
    ("city.fire.alarm", {"panel_id": "P", "state": "fire"}, "fire.alarm.active", 3),
    ("city.fire.hydrant.pressure", {"hydrant_id": "H", "pressure_mpa": 0.05}, "fire.hydrant.pressure-low", 3),
    ("city.iot.manhole", {"cover_id": "M", "state": "removed"}, "iot.manhole.open", 3),
    ("city.hotline.workorder", {"order_id": "H", "urgency": "urgent"}, "hotline.workorder.urgent", 2),
    ("city.emergency.hazmat.reading", {"site_id": "S", "tag_id": "T", "measure": "toxic_gas", "alarm": "high_high"},
     "emergency.hazmat.gas-leak", 4),
    ("city.traffic.congestion", {"road_id": "R", "level": "severe"}, "traffic.congestion.severe", 3),
    ("city.construction.dust", {"site_id": "C", "pm10_ugm3": 260}, "construction.dust.over-standard", 3),
    ("city.construction.noise", {"site_id": "C", "leq_dba": 78, "limit_dba": 70},
     "construction.noise.over-standard", 3),
])
def test_the_city_rules_raise_alarms_and_severity(event_type: str, data: dict[str, object], alarm: str,
                                                  severity: int) -> None:
    book = load_rules()
    hit, calm = event(event_type, data), event(event_type, {k: v for k, v in data.items() if k.endswith("_id")})
    book.apply([hit, calm])
    assert hit.hub is not None and calm.hub is not None
    assert alarm in hit.hub.alarms and hit.hub.severity >= severity
    assert calm.hub.alarms == [] and calm.hub.severity == 0


def test_applying_twice_adds_an_alarm_once_and_severity_only_rises() -> None:
    book = load_rules()
    e = event("city.env.air", {"station_id": "A", "interval": "hour", "aqi": 320})
    assert e.hub is not None
    e.hub.severity = 1
    book.apply([e])
    book.apply([e])
    assert e.hub.alarms == ["env.air.aqi-over-200", "env.air.aqi-over-300"] and e.hub.severity == 4


def test_the_fire_timer_rule_is_data() -> None:
    rule = load_rules().by_id["fire.alarm.not-cleared"]
    assert rule.kind == "unresolved" and rule.key == ("panel_id",) and rule.within_min == 5
    assert rule.key_of({"data": {"panel_id": "P-1"}}) == "P-1" and rule.key_of({"data": {}}) is None


def fields_read(conditions) -> set[str]:  # type: ignore[no-untyped-def]
    read = set()
    for c in conditions:
        read.add(c.path)
        if isinstance(c.operand, FieldRef):
            read.add(c.operand.path)
    return {p for p in read if not p.startswith(("ce.", "hub."))}


def test_every_rule_and_related_member_reads_fields_its_types_have() -> None:
    """Data files against the schemas of schemas/: a renamed field must not silently switch a rule off."""
    known = set(schemas.event_types())
    checks = [(r.id, r.types, r.when + r.clear_when + tuple()) for r in load_rules().rules]
    checks += [(g.id, m.types, m.when) for g in load_related().groups for m in g.members]
    for name, patterns, conditions in checks:
        types = [t for t in known if any(fnmatchcase(t, p) for p in patterns)]
        assert types, f"{name}: no schema for {patterns}"
        for event_type in types:
            properties = schemas.schema(event_type)["properties"]
            missing = {f.split(".")[0] for f in fields_read(conditions)} - set(properties)
            assert not missing, f"{name}: {event_type} has no field {sorted(missing)}"


def test_an_inspectors_report_is_a_case_in_itself() -> None:
    report = event("city.grid.case", {"case_id": "WG-1", "inspector_id": "I", "case_type": "event",
                                      "category": "1101", "description": "占道经营"})
    load_rules().apply([report])
    assert report.hub is not None and report.hub.alarms == ["grid.case.reported"]


def test_a_reading_without_the_station_warning_level_is_judged_by_the_device_registry() -> None:
    rules = load_rules()
    reading = event("city.water.level", {"station_id": "4407030025", "level_m": 4.2})  # SL 651 carries no levels
    rules.apply([reading], device_meta=lambda device: {"warning_level_m": 3.99} if device == reading.device_id else {})
    assert reading.hub is not None and "water.level.over-warning" in reading.hub.alarms
    calm = event("city.water.level", {"station_id": "4407030025", "level_m": 3.1})
    rules.apply([calm], device_meta=lambda device: {"warning_level_m": 3.99})
    assert calm.hub is not None and calm.hub.alarms == []
    own = event("city.water.level", {"station_id": "X", "level_m": 4.2, "warning_level_m": 5.0})
    rules.apply([own], device_meta=lambda device: {"warning_level_m": 3.99})  # the reading's own level wins
    assert own.hub is not None and own.hub.alarms == []


def test_the_registry_gives_river_gauges_their_warning_levels() -> None:
    from hub.registry import load_registry

    gauges = [d for d in load_registry().devices.values() if d["kind"] == "river-gauge"]
    assert gauges and all(isinstance(load_registry().meta(g["device_id"])["warning_level_m"], float) for g in gauges)


# ── the plain reading of the grammar, to hold the rule step's fast paths to ──
_ABSENT = object()


def _plain_walk(node: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def _plain_read(view: dict[str, Any], path: str) -> Any:
    parts = path.split(".")
    if parts[0] in ("ce", "hub", "device"):
        return _plain_walk(view, parts)
    found = _plain_walk(view.get("data", {}), parts)
    return _plain_walk(view.get("device") or {}, parts) if found is _ABSENT else found


def _plain_holds(condition: Any, view: dict[str, Any]) -> bool:
    left = _plain_read(view, condition.path)
    if condition.op == "exists":
        return left is not _ABSENT and left is not None
    operand = condition.operand
    right = _plain_read(view, operand.path) if isinstance(operand, FieldRef) else operand
    if _ABSENT in (left, right) or left is None or right is None:
        return False
    op = condition.op
    try:
        if op in ("in", "not in"):
            return (left in right) == (op == "in")
        if op == "~":
            return re.search(str(right), str(left)) is not None
        if op in ("==", "!="):
            return (left == right and isinstance(left, bool) == isinstance(right, bool)) == (op == "==")
        if isinstance(left, bool) or isinstance(right, bool) or isinstance(left, str) != isinstance(right, str):
            return False
        return bool({">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op])
    except (TypeError, re.error):
        return False


CONDITIONS = [f"{path} {op} {operand}" for path in ("x", "a.b", "ce.type", "hub.severity", "device.level", "level")
              for op in (">", ">=", "<", "<=", "==", "!=") for operand in ("3", "'3'", "true", "y", "a.c", "2.5")] + [
    f"{path} {op} {operand}" for path in ("x", "a.b") for op in ("in", "not in")
    for operand in ("[1, '1', true]", "['a', 'b']", "y")] + [
    "x ~ '^1'", "x ~ '[ab]'", "a.b ~ 'x|2'", "x exists", "a.b exists", "level exists", "device.level exists"]
VALUES = [None, 0, 1, 3, 2.5, "1", "3", "a", True, False, [1, "a"], {"b": 3}, "[", _ABSENT]


def test_conditions_hold_as_the_plain_reading_of_the_grammar() -> None:
    rng, conditions = random.Random(3), [parse_condition(text) for text in CONDITIONS]
    checked = 0
    for _ in range(400):
        data = {k: v for k in ("x", "y", "a", "level") if (v := rng.choice(VALUES)) is not _ABSENT}
        if rng.random() < 0.5:
            data["a"] = {k: v for k in ("b", "c") if (v := rng.choice(VALUES)) is not _ABSENT}
        device = {k: v for k in ("level", "y") if (v := rng.choice(VALUES)) is not _ABSENT}
        view = {"data": data, "ce": {"type": "city.x.y"}, "hub": {"severity": rng.choice([0, 3])},
                "device": device}
        for condition in conditions:
            assert condition.holds(view) == _plain_holds(condition, view), (condition.text, view)
            checked += condition.holds(view)
    assert checked > 1000


def test_a_batch_gets_the_alarms_each_rule_tried_plainly_gives() -> None:
    from bench.load import build_load
    from hub.events import Message
    from hub.pipeline.decode import Limits, decode_batch
    from hub.pipeline.rules import event_view
    from hub.registry import load_registry

    book, registry = load_rules(), load_registry()
    load = build_load(1500, seed=9)
    events, _ = decode_batch([Message(payload, topic, "mqtt") for topic, _, payload in load.items], Limits())
    for n, e in enumerate(events):
        e.hub = HubBlock("uid", 0.0, severity=1)
        if e.ce["type"] == "city.water.level" and n % 2:  # over the warning level the station's record holds
            e.ce["data"]["level_m"] = 50.0
    expected = []
    for e in events:
        view = event_view(e, registry.meta(e.device_id))
        fired = [r for r in book.rules if r.kind == "threshold" and any(fnmatchcase(e.ce["type"], t) for t in r.types)
                 and all(_plain_holds(c, view) for c in r.when)]
        expected.append(([r.id for r in fired], max([1] + [r.severity for r in fired])))
    book.apply(events, registry.meta)
    assert [(e.hub.alarms, e.hub.severity) for e in events if e.hub] == expected
    assert sum(bool(alarms) for alarms, _ in expected) > 20
    assert any("water.level.over-warning" in alarms for alarms, _ in expected)
