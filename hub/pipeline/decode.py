"""Step one of the pipeline: raw bytes → a trusted CloudEvent, or a dead letter with the reason.

Accepts the CloudEvents structured JSON mode and the binary mode of the Kafka binding
(`ce_` headers) and the MQTT 5 binding (user properties without prefix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import fastjsonschema
import msgspec
import orjson

from hub import schema_types, schemas
from hub.events import DeadLetter, Event, Message
from hub.trust.signing import BadSignature

KEEP_RAW_BYTES = 1024 * 1024
# what a compiled validator raises (the second only without fast_fail); both carry `message`
INVALID = (fastjsonschema.JsonSchemaValueException, fastjsonschema.JsonSchemaValuesException)
# the attributes read from binary mode's headers; `signature` is the extension of signed events (hub/trust)
CE_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "subject", "dataschema", "signature")
# how many passed origins (type, source, topic) and parsed times are remembered before starting again
KNOWN_ORIGINS = 65536
KNOWN_TIMES = 4096  # a busy hour of whole seconds
_PASSED_ORIGINS: set[tuple[str, str, str | None]] = set()
_SECONDS: dict[str, float] = {}  # a time's text → its epoch seconds, for the texts that parsed
# the check that an event comes from the system it names (hub.trust.verify.Verifier); raises BadSignature
Trust = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 256 * 1024
    max_age_s: float = 30 * 86400
    max_ahead_s: float = 300
    max_depth: int = 32  # the store's JSON encoder stops at 254: deeper would poison a whole batch


class Rejected(Exception):
    """A message the hub refuses; the text is the reason stored with the dead letter."""


def decode(message: Message, limits: Limits, trust: Trust | None = None) -> Event | DeadLetter:
    events, dead = decode_batch([message], limits, trust)
    return events[0] if events else dead[0]


def decode_batch(batch: list[Message], limits: Limits, trust: Trust | None = None
                 ) -> tuple[list[Event], list[DeadLetter]]:
    """Each message of a batch as an accepted event or a dead letter with the reason: the events and the dead
    letters, each in batch order. The validators are looked up once for the batch.

    The msgspec types of `hub.schema_types` check an event in one pass; what they refuse, the validators of
    `hub.schemas` check again and word the reason, so the verdicts and reasons are the validators' own."""
    events: list[Event] = []
    dead: list[DeadLetter] = []
    accept, validators = schemas.envelope_fast(), schemas.data_validators()
    typed, data_decoders = schema_types.checker(), schema_types.data_decoders()
    for message in batch:
        try:
            ce, binary = _parse(message, limits)
            if trust is not None:  # before the checks below, which may fill in schema defaults
                trust(ce)
            if typed is not None and _typed(ce, message.payload, binary, typed, accept, data_decoders):
                check_origin(ce, message)
                when = check_time(ce["time"], message.received_at, limits)
            else:
                ce, when = _checked(ce, message, limits, accept, validators)
            events.append(Event(ce, message, epoch=when))
        except (Rejected, BadSignature) as reason:
            dead.append(_dead_letter(message, str(reason)))
    return events, dead


def _dead_letter(message: Message, reason: str) -> DeadLetter:
    letter = DeadLetter.of(message, reason)
    if len(letter.raw) > KEEP_RAW_BYTES:  # a flood of huge payloads must not fill the dead-letter store
        letter.raw = letter.raw[:KEEP_RAW_BYTES]
        letter.reason += f" (the dead letter keeps the first {KEEP_RAW_BYTES} bytes)"
    return letter


def _typed(ce: dict[str, Any], payload: bytes, binary: bool, typed: schema_types.Checker,
           accept: schemas.Accept | None, data_decoders: dict[str, Callable[[bytes], Any]]) -> bool:
    """True if the msgspec types take the event, with the schema defaults then filled in; False leaves the
    verdict to the validators. In binary mode the payload is the data, and the headers are the envelope."""
    try:
        if binary:
            decode = data_decoders.get(ce["type"]) if accept is not None and accept(ce) else None
            if decode is None:
                return False
            decode(payload)
        else:
            typed.decode(payload)
            for name, found in typed.found_by:
                if name in ce and not found(ce[name]):
                    return False
    except msgspec.DecodeError:  # a ValidationError too
        return False
    data_type = typed.data.get(ce["type"])
    if data_type is None:
        return False
    rest = data_type.rest
    if rest is not None:
        if not rest.holds(ce["data"]):
            return False
        rest.fill(ce["data"])
    return True


def parse(message: Message, limits: Limits) -> dict[str, Any]:
    return _parse(message, limits)[0]


def _parse(message: Message, limits: Limits) -> tuple[dict[str, Any], bool]:
    """The CloudEvent as a dict, and whether it came in binary mode (its data is then the whole payload)."""
    if len(message.payload) > limits.max_bytes:
        raise Rejected(f"oversize: {len(message.payload)} bytes > {limits.max_bytes}")
    try:
        body = orjson.loads(message.payload)
    except orjson.JSONDecodeError as err:
        raise Rejected(f"invalid JSON: {err}") from None
    # nesting needs an opening bracket per level: fewer brackets than the limit, no walk needed
    openers = message.payload.count(b"{") + message.payload.count(b"[")
    if openers > limits.max_depth and too_deep(body, limits.max_depth):
        raise Rejected(f"JSON nested deeper than {limits.max_depth} levels")
    attributes = binary_attributes(message.headers)
    if attributes:
        return attributes | {"data": body}, True
    if not isinstance(body, dict):
        raise Rejected(f"not a CloudEvent: JSON {type(body).__name__}, expected object")
    return body, False


def too_deep(body: Any, limit: int) -> bool:
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def binary_attributes(headers: tuple[tuple[str, bytes], ...]) -> dict[str, Any]:
    """CloudEvent attributes of the binary mode: Kafka `ce_*` headers or MQTT 5 user properties."""
    if not headers:  # structured mode, the usual case
        return {}
    kafka = {name[3:]: value for name, value in headers if name.startswith("ce_")}
    found = kafka or {name: value for name, value in headers if name in CE_ATTRIBUTES}
    if "specversion" not in found:
        return {}
    try:
        return {k: v.decode("utf-8") for k, v in found.items() if k in CE_ATTRIBUTES}
    except UnicodeDecodeError:
        raise Rejected("binary mode: a ce_ header is not UTF-8") from None


def check(ce: dict[str, Any], message: Message, limits: Limits) -> dict[str, Any]:
    return _checked(ce, message, limits)[0]


def _checked(ce: dict[str, Any], message: Message, limits: Limits, accept: schemas.Accept | None = None,
             validators: dict[str, schemas.Validator] | None = None) -> tuple[dict[str, Any], float]:
    """The checked CloudEvent and its time in epoch seconds (parsed once, kept on the Event). `accept` and
    `validators` are `schemas.envelope_fast()` and `schemas.data_validators()`, looked up here if not given."""
    if validators is None:
        accept, validators = schemas.envelope_fast(), schemas.data_validators()
    if accept is None or not accept(ce):  # the full validator decides, and words the reason
        try:
            schemas.validator(schemas.ENVELOPE)(ce)
        except INVALID as err:
            raise Rejected(f"envelope: {err.message}") from None
    event_type = ce["type"]
    validate_data = validators.get(event_type)
    if validate_data is None:
        raise Rejected(f"unknown event type {event_type!r}")
    try:
        ce["data"] = validate_data(ce["data"])
    except INVALID as err:
        raise Rejected(f"schema {event_type}: {err.message}") from None
    check_origin(ce, message)
    return ce, check_time(ce["time"], message.received_at, limits)


def check_origin(ce: dict[str, Any], message: Message) -> None:
    """A source may only publish as itself: its `source` must sit under the topic it came on."""
    event_type: str = ce["type"]
    source: str = ce["source"]
    # a device sends the same type on the same topic again and again: a passed origin is remembered (the check
    # is pure); only exact `str` values are, as the parsed ones are
    origin = (event_type, source, message.topic if message.transport == "mqtt" else None)
    if type(event_type) is str and type(source) is str and origin in _PASSED_ORIGINS:
        return
    _check_origin(event_type, source, message)
    if len(_PASSED_ORIGINS) >= KNOWN_ORIGINS:
        _PASSED_ORIGINS.clear()
    _PASSED_ORIGINS.add(origin)


def _check_origin(event_type: str, source: str, message: Message) -> None:
    domain = event_type.split(".", 2)[1]
    parts = source.split("/", 4)  # ['', 'jiangmen', domain, system, device...]
    if parts[2] != domain:
        raise Rejected(f"source {source} is not of domain {domain!r} of type {event_type}")
    if message.transport == "mqtt":
        topic = message.topic.split("/")
        if len(topic) != 3 or topic[0] != "city":
            raise Rejected(f"topic {message.topic!r} is not city/<domain>/<source-id>")
        if topic[1] != domain or topic[2] != parts[3]:
            raise Rejected(f"source {source} does not match topic {message.topic}")


def check_time(text: str, received_at: float, limits: Limits) -> float:
    """The time in epoch seconds, if RFC 3339 with an offset and within the limits around `received_at`."""
    # many events carry the same second: a parsed time is remembered (parsing is pure); only exact `str` texts
    seconds = _SECONDS.get(text) if type(text) is str else None
    if seconds is None:
        seconds = _epoch(text)
        if len(_SECONDS) >= KNOWN_TIMES:
            _SECONDS.clear()
        _SECONDS[text] = seconds
    delta = seconds - received_at
    if delta > limits.max_ahead_s:
        raise Rejected(f"time {text} is {delta:.0f} s in the future")
    if -delta > limits.max_age_s:
        raise Rejected(f"time {text} is {-delta / 86400:.1f} days in the past")
    return seconds


def _epoch(text: str) -> float:
    """An RFC 3339 time with a UTC offset in epoch seconds."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(f"time {text!r} is not RFC 3339") from None
    if when.tzinfo is None:
        raise Rejected(f"time {text!r} has no UTC offset")
    return when.timestamp()
