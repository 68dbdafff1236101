"""msgspec types built from the JSON Schemas in `schemas/`, so that one C pass checks a whole event.

The schema files stay the contract: the types are made from them at start, keyword by keyword, the way the
compiled validators of `hub.schemas` (fastjsonschema) read each keyword. A keyword the builder does not know,
or cannot express exactly, leaves that event type without a msgspec type, and the present validators alone
decide it. A msgspec type is only ever stricter than the schema, never looser: where msgspec refuses, the present
validators decide again and word the reason (e.g. they take 3.0 as an "integer", msgspec does not).

What the types cannot hold — `anyOf` of required names, and the `default`s the validators fill in — is a
`Rest`: checks and fills on the parsed dict, made from the same schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union

import msgspec
from fastjsonschema.draft04 import DOLLAR_FINDER

from hub import schemas

# keywords with no effect on what the validators accept: annotations, and `dependentRequired`, which
# fastjsonschema does not enforce (it knows only the older `dependencies`)
IGNORED = frozenset({"$schema", "$id", "title", "description", "$comment", "examples", "dependentRequired"})
SCALAR = (str, int, float, bool, type(None))


class Inexpressible(Exception):
    """A schema uses a keyword, or a form of one, that the builder does not express exactly."""


@dataclass(frozen=True, slots=True)
class Rest:
    """What a msgspec type leaves to check and fill on the parsed value of one object (and those inside)."""

    any_required: tuple[tuple[frozenset[str], ...], ...]  # each: at least one of these name sets all present
    defaults: tuple[tuple[str, Any], ...]  # in the schema's property order, as the validators fill them
    children: tuple[tuple[str, Rest], ...]  # properties holding objects that have a rest of their own
    items: Rest | None = None  # for an array: the rest of each item

    def holds(self, value: Any) -> bool:
        """True if the value passes the rest's checks (the msgspec type has already checked the types)."""
        if self.items is not None:
            return all(self.items.holds(item) for item in value)
        for alternatives in self.any_required:
            keys = value.keys()
            for names in alternatives:  # a plain loop: any() over a generator costs more per event
                if names <= keys:
                    break
            else:
                return False
        for name, rest in self.children:  # noqa: SIM110 (a plain loop: all() over a generator costs more)
            if name in value and not rest.holds(value[name]):
                return False
        return True

    def fill(self, value: Any) -> None:
        """Fill in the defaults, as the validators do for a missing property."""
        if self.items is not None:
            for item in value:
                self.items.fill(item)
            return
        for name, default in self.defaults:
            if name not in value:
                value[name] = default
        for name, rest in self.children:
            if name in value:
                rest.fill(value[name])


@dataclass(frozen=True, slots=True)
class Typed:
    """The msgspec type of a schema and the rest of it, None where there is no rest."""

    type: Any
    rest: Rest | None


def _resolve(rule: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in rule:
        return rule
    if set(rule) - IGNORED - {"$ref"}:
        raise Inexpressible(f"$ref with siblings: {sorted(rule)}")
    return schemas._local(rule["$ref"])  # the same resolution the validators use


def _number_meta(rule: dict[str, Any], kind: type) -> dict[str, Any]:
    meta = {}
    for keyword, name in (("minimum", "ge"), ("maximum", "le")):
        if keyword in rule:
            bound = rule[keyword]
            if type(bound) not in (int, float) or (kind is int and type(bound) is not int):
                raise Inexpressible(f"{keyword} {bound!r}")
            meta[name] = bound
    return meta


def _regex(rule: dict[str, Any]) -> str | None:
    """The regex a string must be found by (re.search), as the validators read `pattern` or `format`."""
    if "pattern" in rule and "format" in rule:
        raise Inexpressible("pattern with format")
    if "pattern" in rule:  # the validators search with `$` meaning the very end, as msgspec searches
        return DOLLAR_FINDER.sub(r"\\Z", rule["pattern"])
    if "format" in rule:  # the validators match the format's regex at the start
        if rule["format"] != "date-time":
            raise Inexpressible(f"format {rule['format']!r}")
        return r"\A(?:" + schemas.DATE_TIME + ")"  # as the validators read `format: date-time`
    return None


def _string(rule: dict[str, Any], regex: bool = True) -> Any:
    """The str type of a rule; without its regex (pattern or format) if `regex` is False."""
    meta: dict[str, Any] = {}
    for keyword, name in (("minLength", "min_length"), ("maxLength", "max_length")):
        if keyword in rule:
            if type(rule[keyword]) is not int:
                raise Inexpressible(f"{keyword} {rule[keyword]!r}")
            meta[name] = rule[keyword]
    found = _regex(rule)
    if found is not None and regex:
        meta["pattern"] = found
    return Annotated[str, msgspec.Meta(**meta)] if meta else str


def _literal(values: list[Any]) -> Any:
    if not values or not all(type(v) is str for v in values):
        raise Inexpressible(f"enum or const of {values!r}")
    return Literal[tuple(values)]  # type: ignore[valid-type]


KNOWN = {
    "string": {"minLength", "maxLength", "pattern", "format"},
    "integer": {"minimum", "maximum"},
    "number": {"minimum", "maximum"},
    "boolean": set(),
    "null": set(),
    "array": {"items", "minItems", "maxItems"},
    "object": {"properties", "required", "additionalProperties", "anyOf"},
}


def build(rule: dict[str, Any], name: str) -> Typed:
    """The msgspec type of one schema (or subschema); raises Inexpressible."""
    rule = _resolve(rule)
    keywords = set(rule) - IGNORED - {"default"}
    if "enum" in keywords or "const" in keywords:
        if keywords - {"enum", "const", "type"} or keywords >= {"enum", "const"}:
            raise Inexpressible(f"{name}: {sorted(keywords)}")
        if "type" in keywords and rule["type"] != "string":
            raise Inexpressible(f"{name}: enum of type {rule['type']!r}")
        return Typed(_literal(rule["enum"] if "enum" in rule else [rule["const"]]), None)
    if not keywords:
        return Typed(Any, None)
    kind = rule.get("type")
    if type(kind) is not str or kind not in KNOWN or keywords - KNOWN[kind] - {"type"}:
        raise Inexpressible(f"{name}: {sorted(keywords)} of type {kind!r}")
    if kind == "string":
        return Typed(_string(rule), None)
    if kind == "integer":
        meta = _number_meta(rule, int)
        return Typed(Annotated[int, msgspec.Meta(**meta)] if meta else int, None)
    if kind == "number":
        meta = _number_meta(rule, float)
        if not meta:
            return Typed(int | float, None)
        return Typed(Annotated[int, msgspec.Meta(**meta)] | Annotated[float, msgspec.Meta(**meta)], None)
    if kind == "boolean":
        return Typed(bool, None)
    if kind == "null":
        return Typed(None, None)
    if kind == "array":
        return _array(rule, name)
    return _object(rule, name)


def _array(rule: dict[str, Any], name: str) -> Typed:
    item = build(rule["items"], f"{name}[]") if "items" in rule else Typed(Any, None)
    if not isinstance(rule.get("items", {}), dict):
        raise Inexpressible(f"{name}: items as a list")
    meta = {}
    for keyword, key in (("minItems", "min_length"), ("maxItems", "max_length")):
        if keyword in rule:
            meta[key] = rule[keyword]
    kind = list[item.type]  # type: ignore[name-defined]
    rest = Rest((), (), (), item.rest) if item.rest is not None else None
    return Typed(Annotated[kind, msgspec.Meta(**meta)] if meta else kind, rest)


def _any_required(rule: dict[str, Any], name: str) -> tuple[frozenset[str], ...]:
    alternatives = rule["anyOf"]
    if not isinstance(alternatives, list) or not alternatives:
        raise Inexpressible(f"{name}: anyOf {alternatives!r}")
    out = []
    for alternative in alternatives:
        if not isinstance(alternative, dict) or set(alternative) != {"required"}:
            raise Inexpressible(f"{name}: anyOf beyond required names")
        out.append(frozenset(alternative["required"]))
    return tuple(out)


def _object(rule: dict[str, Any], name: str) -> Typed:
    properties = rule.get("properties", {})
    extra = rule.get("additionalProperties", True)
    required = rule.get("required", [])
    if not properties:
        if required or "anyOf" in rule:
            raise Inexpressible(f"{name}: required names without properties")
        if extra is True:
            return Typed(dict[str, Any], None)
        if extra is False:
            raise Inexpressible(f"{name}: an object with no property allowed")
        value = build(extra, f"{name}.*")
        if value.rest is not None:
            raise Inexpressible(f"{name}: additionalProperties with a rest")
        return Typed(dict[str, value.type], None)  # type: ignore[name-defined]
    if extra not in (True, False):
        raise Inexpressible(f"{name}: additionalProperties as a schema beside properties")
    if set(required) - set(properties):
        raise Inexpressible(f"{name}: a required name that is not a property")
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    defaults: list[tuple[str, Any]] = []
    children: list[tuple[str, Rest]] = []
    for i, (key, sub) in enumerate(properties.items()):
        typed = build(sub, f"{name}.{key}")
        sub = _resolve(sub)
        if "default" in sub:
            if type(sub["default"]) not in SCALAR:
                raise Inexpressible(f"{name}.{key}: a default that is not a scalar")
            defaults.append((key, sub["default"]))
        if typed.rest is not None:
            children.append((key, typed.rest))
        field = f"f{i}"  # JSON names need not be identifiers; msgspec maps them back
        rename[field] = key
        if key in required:
            fields.append((field, typed.type))
        else:
            fields.append((field, typed.type | msgspec.UnsetType, msgspec.UNSET))
    fields.sort(key=lambda f: len(f) == 3)  # fields without a default come first
    struct = msgspec.defstruct(name.replace(".", "_").replace("[]", "_item").replace("*", "_value"), fields,
                               rename=rename, forbid_unknown_fields=extra is False, gc=False)
    any_required = (_any_required(rule, name),) if "anyOf" in rule else ()
    rest = Rest(any_required, tuple(defaults), tuple(children)) if any_required or defaults or children else None
    return Typed(struct, rest)


@dataclass(frozen=True, slots=True)
class Checker:
    """The one-pass check of a structured-mode event, and the typed data of each event type it knows."""

    decode: Callable[[bytes], Any]  # raises msgspec.ValidationError/DecodeError where the event may be bad
    found_by: tuple[tuple[str, Callable[[str], bool]], ...]  # the envelope's attributes a regex must find
    data: dict[str, Typed]  # by event type: the data's type and rest


def remembered(regex: str) -> Callable[[str], bool]:
    """Whether the regex finds a string, remembering the strings it found (`schemas.remember_passes`): a
    source comes again on nearly every event, and a time on many."""
    search = re.compile(regex).search
    return schemas.remember_passes(lambda text: search(text) is not None)


def _envelope_found_by() -> tuple[tuple[str, Callable[[str], bool]], ...]:
    """The envelope's attributes a regex must find, checked on the parsed event (msgspec checks the rest)."""
    doc = schemas.schema(schemas.ENVELOPE)
    found_by = []
    for key, sub in doc["properties"].items():
        regex = _regex(_resolve(sub)) if key != "type" else None  # the type is the tag: checked when built
        if regex is not None:
            if _resolve(sub).get("type") != "string":
                raise Inexpressible(f"envelope.{key}: a regex on what may not be a string")
            found_by.append((key, remembered(regex)))
    return tuple(found_by)


def _envelope_fields(data_type: Any, event_type: str) -> tuple[list[Any], dict[str, str]]:
    doc = schemas.schema(schemas.ENVELOPE)
    if set(doc) - IGNORED - {"type", "required", "properties"} or doc.get("type") != "object":
        raise Inexpressible("envelope")
    required = set(doc.get("required", ()))
    fields: list[Any] = []
    rename: dict[str, str] = {}
    for i, (key, sub) in enumerate(doc["properties"].items()):
        if key == "type":  # the tag: each event type's own name, which must pass the rule itself
            msgspec.json.decode(msgspec.json.encode(event_type), type=build(sub, "type").type)
            continue
        if key == "data":
            if _resolve(sub) != {"type": "object"}:
                raise Inexpressible("envelope data beyond an object")
            kind = data_type
        else:
            typed = build(sub, f"envelope.{key}")
            if typed.rest is not None or "default" in _resolve(sub):
                raise Inexpressible(f"envelope.{key}")
            kind = typed.type
            if _resolve(sub).get("type") == "string":  # its regex, if any, is in `_envelope_found_by`
                kind = _string(_resolve(sub), regex=False)
        rename[f"a{i}"] = key
        fields.append((f"a{i}", kind) if key in required else (f"a{i}", kind | msgspec.UnsetType,
                                                                msgspec.UNSET))
    if "type" not in required or "data" not in required:
        raise Inexpressible("envelope without a required type and data")
    fields.sort(key=lambda f: len(f) == 3)
    return fields, rename


@cache
def checker() -> Checker | None:
    """The msgspec check of every event type the builder can express; None if it cannot express the envelope."""
    data: dict[str, Typed] = {}
    envelopes = []
    for event_type in schemas.event_types():
        try:
            typed = build(schemas.schema(event_type), event_type)
            if not isinstance(typed.type, type) or not issubclass(typed.type, msgspec.Struct):
                raise Inexpressible(f"{event_type}: data is not an object with properties")
            fields, rename = _envelope_fields(typed.type, event_type)
        except Inexpressible:
            continue
        except msgspec.ValidationError:  # the type's own name breaks the envelope's rule for types
            continue
        data[event_type] = typed
        envelopes.append(msgspec.defstruct(f"Envelope_{event_type.replace('.', '_')}", fields, rename=rename,
                                           tag_field="type", tag=event_type, gc=False))
    if not envelopes:
        return None
    try:
        found_by = _envelope_found_by()
    except Inexpressible:
        return None
    decoder = msgspec.json.Decoder(Union[tuple(envelopes)])  # type: ignore[valid-type]  # noqa: UP007 (a union of a list)
    return Checker(decoder.decode, found_by, data)


@cache
def data_decoders() -> dict[str, Callable[[bytes], Any]]:
    """By event type, the check of the data alone (binary mode, where the payload is the data)."""
    found = checker()
    if found is None:
        return {}
    return {t: msgspec.json.Decoder(typed.type).decode for t, typed in found.data.items()}
