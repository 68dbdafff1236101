"""The JSON Schemas in `schemas/`: the envelope and every canonical event type, compiled once."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import fastjsonschema
from fastjsonschema.draft04 import DOLLAR_FINDER, CodeGeneratorDraft04

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ENVELOPE = "cloudevent"
SHARED = {"cloudevent", "location"}

Validator = Callable[[Any], Any]
Accept = Callable[[dict[str, Any]], bool]
KNOWN_STRINGS = 65536  # how many accepted sources and types a pattern check remembers before it starts again
DATE_TIME = CodeGeneratorDraft04.FORMAT_REGEXS["date-time"]  # `format: date-time`, as every draft reads it


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _local(uri: str) -> dict[str, Any]:
    """Resolve a `$ref` to one of our own schema ids from the folder, never the network."""
    return _load(Path(urlparse(uri).path).stem)


def event_types() -> list[str]:
    return sorted(p.stem for p in SCHEMA_DIR.glob("city.*.json"))


@cache
def validator(name: str) -> Validator:
    return fastjsonschema.compile(_load(name), handlers={"https": _local, "http": _local})


@cache
def data_validators() -> dict[str, Validator]:
    return {t: validator(t) for t in event_types()}


def schema(name: str) -> dict[str, Any]:
    return _load(name)


# The fast accept of the envelope: the keywords the envelope schema uses, checked in plain Python.
# It only ever says "valid" or "ask the full validator", which then gives the reason; a keyword it
# does not know turns it off (the full validator alone decides), so it cannot drift from the schema.
_FAST_KEYWORDS = {"const", "type", "minLength", "maxLength", "pattern", "format"}


def _fast_property(rule: dict[str, Any]) -> Callable[[Any], bool] | None:
    if set(rule) - _FAST_KEYWORDS or rule.get("type", "string") not in ("string", "object"):
        return None
    if "const" in rule:
        const = rule["const"]
        return (lambda v: type(v) is str and v == const) if isinstance(const, str) and len(rule) == 1 else None
    if rule["type"] == "object":
        return (lambda v: type(v) is dict) if len(rule) == 1 else None
    low, high = rule.get("minLength", 0), rule.get("maxLength")
    if high is None or rule.get("format", "date-time") != "date-time":
        return None
    pattern = re.compile(DOLLAR_FINDER.sub(r"\\Z", rule["pattern"])) if "pattern" in rule else None
    date_time = re.compile(DATE_TIME) if "format" in rule else None

    def check(v: Any) -> bool:
        return (type(v) is str and low <= len(v) <= high and (pattern is None or pattern.search(v) is not None)
                and (date_time is None or date_time.match(v) is not None))
    if pattern is None:
        return check
    return remember_passes(check)


def remember_passes(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """`check`, with the strings it passed remembered: a source or a type comes again on nearly every event,
    and a string that passed once passes again (the check is pure), so it is looked up, not matched. Only
    exact `str` values are remembered, at most KNOWN_STRINGS before it starts again."""
    passed: set[str] = set()

    def check_remembered(v: Any) -> bool:
        if type(v) is str and v in passed:
            return True
        if not check(v):
            return False
        if len(passed) >= KNOWN_STRINGS:
            passed.clear()
        passed.add(v)
        return True
    return check_remembered


@cache
def envelope_fast() -> Accept | None:
    """True only where `validator(ENVELOPE)` accepts the object; None when the schema goes beyond what it knows."""
    doc = _load(ENVELOPE)
    if set(doc) - {"$schema", "$id", "title", "type", "required", "properties"} or doc.get("type") != "object":
        return None
    required = frozenset(doc.get("required", ()))
    rules = {}
    for name, rule in doc.get("properties", {}).items():
        if "format" in rule and "maxLength" not in rule:  # a string of any length, read as date-time
            rule = rule | {"maxLength": sys.maxsize}
        check = _fast_property(rule)
        if check is None:
            return None
        rules[name] = check
    checks = tuple(rules.items())

    def accept(ce: dict[str, Any]) -> bool:
        if type(ce) is not dict:
            return False
        if not required <= ce.keys():
            return False
        for name, check in checks:  # noqa: SIM110 (a plain loop: all() over a generator costs more per event)
            if name in ce and not check(ce[name]):
                return False
        return True
    return accept
