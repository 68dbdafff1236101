"""The msgspec types built from `schemas/` (hub.schema_types) take and refuse what the validators of
`hub.schemas` take and refuse, and the decoder gives the very same events and dead-letter reasons as the
validators alone: on documents generated from each schema, bent ones, every fixture and the hostile corpus."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import fastjsonschema
import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.load import build_load
from hub import schema_types, schemas
from hub.events import DeadLetter, Event, Message
from hub.pipeline.decode import Limits, Rejected, _checked, _dead_letter, decode, decode_batch, parse
from tests.hostile import corpus_files

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOW = time.time()
LIMITS = Limits(max_age_s=1e10, max_ahead_s=1e10)
TIMES = ["2026-03-01T08:00:00+08:00", "2026-03-01T08:00:00Z", "2026-03-01T08:00:00.125z", "2024-02-29T23:59:60Z",
         "2026-02-29T08:00:00Z", "2026-03-01 08:00:00Z", "2026-03-01T08:00:00", "2026-03-01T08:00:00Z\n",
         "2026-03-01T08:00:00+0800", "2026-03-01T24:00:00Z", "yesterday", ""]
# values a bent document puts where a schema wants something else
BENT: list[Any] = [None, True, False, 0, 1, -1, 3.0, 2.5, -0.0, 1e9, -1e9, 2**70, -(2**70), "", "x", "x" * 300,
                   "wgs84", "a\n", "123456789012345\n", "\u90e8\u4ef6/0001\n", [], [1], {}, {"a": 1}, TIMES[0]]


def resolved(rule: dict[str, Any]) -> dict[str, Any]:
    return schemas._local(rule["$ref"]) if "$ref" in rule else rule


def documents(rule: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Documents of a (sub)schema: mostly valid, a few breaking its anyOf or lengths at the edges."""
    rule = resolved(rule)
    if "enum" in rule:
        return st.sampled_from(rule["enum"])
    if "const" in rule:
        return st.just(rule["const"])
    kind = rule.get("type")
    if kind == "string":
        if "pattern" in rule:  # and a newline after a match: `$` may match before it, the schema's end not
            matches = st.from_regex(rule["pattern"], fullmatch=True)
            return matches | matches.map(lambda text: text + "\n")
        if rule.get("format") == "date-time":
            return st.sampled_from(TIMES)
        low, high = rule.get("minLength", 0), rule.get("maxLength", 50)
        return st.text(min_size=max(low - 1, 0), max_size=high + 1)
    if kind in ("integer", "number"):
        low, high = rule.get("minimum", -(2**40)), rule.get("maximum", 2**40)
        ints = st.integers(low - 1, high + 1)
        return ints if kind == "integer" else ints | st.floats(low - 1, high + 1, allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = documents(rule.get("items", {"type": "string"}))
        return st.lists(items, min_size=max(rule.get("minItems", 0) - 1, 0), max_size=rule.get("maxItems", 5) + 1)
    if kind == "object" and "properties" in rule:
        properties = {k: documents(v) for k, v in rule["properties"].items()}
        required = set(rule.get("required", ()))
        return st.fixed_dictionaries({k: v for k, v in properties.items() if k in required},
                                     optional={k: v for k, v in properties.items() if k not in required})
    if kind == "object":
        return st.dictionaries(st.text(max_size=5), documents(rule.get("additionalProperties", {"type": "string"})),
                               max_size=3)
    return st.none()


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += paths(value, (*prefix, i))
    return out


@st.composite
def bent(draw: st.DrawFn, rule: dict[str, Any]) -> Any:
    """A document of the schema, then maybe bent at one place: a value swapped, a field dropped or added,
    an integer turned into a float or a bool, a string made longer or given a newline."""
    doc = draw(documents(rule))
    how = draw(st.sampled_from(["keep", "keep", "swap", "drop", "add", "float", "bool", "newline", "longer"]))
    path = draw(st.sampled_from(paths(doc)))
    if how == "keep" or not path:
        return doc
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    key, value = path[-1], parent[path[-1]]
    if how == "swap":
        parent[key] = draw(st.sampled_from(BENT))
    elif how == "drop" and isinstance(parent, dict):
        del parent[key]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "crs", "lat", "address", "x" * 70]))] = draw(st.sampled_from(BENT))
    elif how == "float" and type(value) is int:
        parent[key] = float(value)
    elif how == "bool" and type(value) in (int, float):
        parent[key] = bool(value)
    elif how == "newline" and type(value) is str:
        parent[key] = value + "\n"
    elif how == "longer" and type(value) is str:
        parent[key] = value * 70 + "x"
    return doc


def validators_take(event_type: str, doc: Any) -> tuple[bool, str]:
    try:
        return True, json.dumps(schemas.validator(event_type)(copy.deepcopy(doc)))
    except fastjsonschema.JsonSchemaException:
        return False, ""


def types_take(event_type: str, doc: Any) -> tuple[bool, str]:
    typed = schema_types.checker()
    assert typed is not None
    try:
        schema_types.data_decoders()[event_type](json.dumps(doc).encode())
    except msgspec.DecodeError:
        return False, ""
    value = copy.deepcopy(doc)
    rest = typed.data[event_type].rest
    if rest is not None:
        if not rest.holds(value):
            return False, ""
        rest.fill(value)
    return True, json.dumps(value)


def integral_float_in_an_integer(event_type: str, doc: Any) -> bool:
    """Whether the document is refused only for holding 3.0 where the schema says "integer": the validators
    take it, msgspec does not."""
    as_ints = _ints(doc)
    return json.dumps(as_ints) != json.dumps(doc) and types_take(event_type, as_ints)[0]


def _ints(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _ints(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_ints(v) for v in doc]
    return int(doc) if type(doc) is float and doc.is_integer() and abs(doc) < 2**63 else doc


def test_the_builder_expresses_every_event_type_of_schemas() -> None:
    typed = schema_types.checker()
    assert typed is not None  # else every event pays for the validators again
    assert sorted(typed.data) == schemas.event_types()


@pytest.mark.parametrize("event_type", schemas.event_types())
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_types_and_validators_give_the_same_verdict_and_value(event_type: str, data: st.DataObject) -> None:
    doc = data.draw(bent(schemas.schema(event_type)))
    doc = orjson.loads(json.dumps(doc))  # the value the decoder parses (orjson: huge ints become floats)
    by_validators, by_types = validators_take(event_type, doc), types_take(event_type, doc)
    if by_validators[0] and not by_types[0]:  # the one place msgspec is stricter: the validators decide then
        assert integral_float_in_an_integer(event_type, doc), doc
        return
    assert by_types == by_validators, doc


def present(message: Message) -> tuple[str, str, float | None]:
    """What the decoder gave before the msgspec types: the validators alone."""
    try:
        ce, when = _checked(parse(message, LIMITS), message, LIMITS)
    except Rejected as reason:
        return "dead", _dead_letter(message, str(reason)).reason, 0.0
    return "event", json.dumps(ce), when


def decoded(messages: list[Message]) -> list[tuple[str, str, float | None]]:
    out: list[tuple[str, str, float | None]] = []
    for message in messages:
        result = decode(message, LIMITS)
        out.append(("event", json.dumps(result.ce), result.epoch) if isinstance(result, Event)
                   else ("dead", result.reason, 0.0))
    return out


def envelope(event_type: str, data: Any, **changes: Any) -> dict[str, Any]:
    domain = event_type.split(".")[1]
    return {"specversion": "1.0", "id": "e-1", "source": f"/jiangmen/{domain}/sys/dev-1", "type": event_type,
            "time": "2026-03-01T08:00:00+08:00", "datacontenttype": "application/json", "data": data} | changes


def same_as_present(payloads: list[bytes], topic: str = "", transport: str = "kafka",
                    headers: tuple[tuple[str, bytes], ...] = ()) -> None:
    messages = [Message(p, topic, transport, headers=headers, received_at=NOW) for p in payloads]
    before = [present(Message(m.payload, topic, transport, headers=headers, received_at=NOW)) for m in messages]
    assert decoded(messages) == before


@pytest.mark.parametrize("event_type", schemas.event_types())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_the_decoder_gives_the_events_and_reasons_of_the_validators(event_type: str, data: st.DataObject) -> None:
    doc = data.draw(bent(schemas.schema(event_type)))
    ce = envelope(event_type, doc)
    name = data.draw(st.sampled_from([*ce, "subject", "dataschema", "signature"]))
    value = data.draw(st.sampled_from([*BENT, *TIMES, "/jiangmen/x/y", "city.water.level", "1.0",
                                       ce["source"] + "\n", ce["type"] + "\n", "1.0\n"]))
    bent_ce = ce | {name: value}
    payloads = [json.dumps(ce).encode(), json.dumps(bent_ce).encode()]
    same_as_present(payloads)
    same_as_present([json.dumps(doc).encode()], headers=(("ce_specversion", b"1.0"), ("ce_id", b"b-1"),
                    ("ce_source", ce["source"].encode()), ("ce_type", event_type.encode()),
                    ("ce_time", b"2026-03-01T08:00:00Z")))


def test_the_decoder_on_every_fixture() -> None:
    payloads = []
    for path in sorted(FIXTURES.glob("*/*.expected.json")):
        listed = json.loads(path.read_text(encoding="utf-8"))
        for ce in listed if isinstance(listed, list) else [listed]:
            payloads.append(json.dumps(ce, ensure_ascii=False).encode())
    assert len(payloads) > 50
    same_as_present(payloads)
    results = decoded([Message(p, "", "kafka", received_at=NOW) for p in payloads])
    assert sum(kind == "event" for kind, _, _ in results) > 50


def test_the_decoder_on_the_bench_load() -> None:
    """The mixed load of `bench.pipeline`: all 27 types, placed by coordinates, address or device."""
    for topic, _, payload in build_load(400, run_tag="typed").items:
        same_as_present([payload], topic=topic, transport="mqtt")


def test_the_decoder_on_the_hostile_corpus() -> None:
    entries = corpus_files.hub_entries()
    assert entries
    for entry in entries:
        transport = "mqtt" if entry.topic else "kafka"
        same_as_present([entry.payload], topic=entry.topic, transport=transport)


@pytest.mark.parametrize(("payload", "how"), [
    (b'{"lot_id": "A", "lot_id": 5, "capacity": 1, "free": 0}', "duplicate key, the last one bad"),
    (b'{"lot_id": 5, "lot_id": "A", "capacity": 1, "free": 0}', "duplicate key, the last one good"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "capacity": 2}', "duplicate key, both good"),
    (b'{"lot_id": "A", "capacity": 1.0, "free": 0}', "an integral float where an integer is wanted"),
    (b'{"lot_id": "A", "capacity": 1.5, "free": 0}', "a fraction where an integer is wanted"),
    (b'{"lot_id": "A", "capacity": true, "free": 0}', "a bool where an integer is wanted"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "occupancy": 1}', "an int where a number is wanted"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "occupancy": 100000000000000000000000}', "a huge int"),
    (b'{"lot_id": "A", "capacity": 1, "free": 99999999999999999999999}', "a huge int over the maximum"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "occupancy": NaN}', "NaN"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "occupancy": 1e400}', "infinity"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "extra": {"deep": [1, 2.0, "3"]}}', "an unknown field"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "location": {"lon": 113, "lat": 22}}', "int coordinates"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "location": {"lon": 113.0, "address": "xx"}}',
     "lon without lat (dependentRequired, which the validators do not enforce)"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "location": {"lon": 113.0, "lat": 22, "extra": 1}}',
     "an unknown field where additionalProperties is false"),
    (b'{"lot_id": "A", "capacity": 1, "free": 0, "location": {"crs": "gcj02"}}', "neither coordinates nor address"),
    (b'{"lot_id": "\\u0000", "capacity": 1, "free": 0}', "a NUL"),
])
def test_the_decoder_on_edges_of_json(payload: bytes, how: str) -> None:
    body = b'{"specversion": "1.0", "id": "p-1", "source": "/jiangmen/parking/lots/A", ' \
           b'"type": "city.parking.occupancy", "time": "2026-03-01T08:00:00Z", "data": ' + payload + b"}"
    same_as_present([body])
    same_as_present([payload], headers=(("ce_specversion", b"1.0"), ("ce_id", b"b-1"),
                                        ("ce_source", b"/jiangmen/parking/lots/A"),
                                        ("ce_type", b"city.parking.occupancy"), ("ce_time", b"2026-03-01T08:00:00Z")))


def test_the_values_keep_ints_floats_and_the_filled_default() -> None:
    body = orjson.dumps(envelope("city.parking.occupancy", {"lot_id": "A", "capacity": 3, "free": 0,
                                                             "occupancy": 1, "location": {"lon": 113, "lat": 22.5}}))
    events, dead = decode_batch([Message(body, "", "kafka", received_at=NOW)], LIMITS)
    assert not dead and isinstance(events[0], Event)
    assert orjson.dumps(events[0].ce["data"]) == (b'{"lot_id":"A","capacity":3,"free":0,"occupancy":1,'
                                                  b'"location":{"lon":113,"lat":22.5,"crs":"wgs84"}}')


def test_a_refused_event_keeps_the_validators_reason() -> None:
    body = orjson.dumps(envelope("city.parking.occupancy", {"lot_id": "A", "capacity": -1, "free": 0}))
    _, dead = decode_batch([Message(body, "", "kafka", received_at=NOW)], LIMITS)
    assert isinstance(dead[0], DeadLetter)
    assert dead[0].reason == "schema city.parking.occupancy: data.capacity must be bigger than or equal to 0"
