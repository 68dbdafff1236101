"""What travels through the hub: raw messages, dead letters, accepted events and the hub's normalized block."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal

import numpy as np
import orjson
from pydantic import Field, TypeAdapter

SEVERITY_NAMES = ("info", "notice", "minor", "major", "critical")
LocationMethod = Literal["coordinates", "address", "device", "none"]


def epoch(rfc3339: str) -> float:
    """An RFC 3339 time in epoch seconds."""
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


@dataclass(slots=True)
class Message:
    """One message as a transport delivered it, before the hub trusts anything in it."""

    payload: bytes
    topic: str
    transport: str  # "mqtt" | "kafka" | "http"
    partition: int | None = None
    offset: int | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    received_at: float = field(default_factory=time.time)


@dataclass(slots=True)
class DeadLetter:
    """A rejected message, kept with its raw bytes, the reason and where it came from."""

    raw: bytes
    reason: str
    transport: str
    topic: str
    partition: int | None
    offset: int | None
    received_at: float

    @classmethod
    def of(cls, message: Message, reason: str) -> DeadLetter:
        return cls(
            message.payload, reason, message.transport, message.topic,
            message.partition, message.offset, message.received_at,
        )


# A plain slotted dataclass, not a pydantic model: the pipeline builds one per event and sets a score
# of fields on it, which made pydantic's __init__/__setattr__/model_dump a top per-event cost.
# model_dump, model_validate and model_json_schema keep the pydantic-style surface. No slots:
# the rules read it as a mapping with vars().
@dataclass
class HubBlock:
    """What the hub adds to an event after normalization; never trusted from the source."""

    uid: str
    received_at: float
    lon: float | None = None
    lat: float | None = None
    location_method: LocationMethod = "none"
    crs_in: str | None = None
    standard_address_id: str | None = None
    standard_address: str | None = None
    geocode_confidence: float | None = None
    grid_code: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    town_code: str | None = None
    town_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    category: str | None = None
    category_name: str | None = None
    severity: Annotated[int, Field(ge=0, le=4)] = 0
    department: str | None = None
    time_limit_h: float | None = None
    plan_items: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in HUB_FIELDS}
        body["plan_items"], body["alarms"] = list(self.plan_items), list(self.alarms)
        return body

    @classmethod
    def model_validate(cls, data: Any) -> HubBlock:
        return _hub_adapter().validate_python(data)  # type: ignore[no-any-return]

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        return _hub_adapter().json_schema()  # type: ignore[no-any-return]


HUB_FIELDS = tuple(f.name for f in fields(HubBlock))


@cache
def _hub_adapter() -> TypeAdapter[HubBlock]:
    return TypeAdapter(HubBlock)


@dataclass(slots=True)
class Event:
    """An accepted CloudEvent with the message it came in and, once normalized, the hub's block."""

    ce: dict[str, Any]
    message: Message
    hub: HubBlock | None = None
    _json: bytes | None = field(default=None, repr=False, compare=False)
    epoch: float | None = None  # `ce["time"]` in epoch seconds, as decode parsed it (None: parse it again)

    @property
    def key(self) -> tuple[str, str]:
        return (self.ce["source"], self.ce["id"])

    @property
    def seconds(self) -> float:
        """`ce["time"]` in epoch seconds: as decode parsed it, or parsed now."""
        return self.epoch if self.epoch is not None else epoch(self.ce["time"])

    @property
    def domain(self) -> str:
        return str(self.ce["type"]).split(".")[1]

    @property
    def device_id(self) -> str:
        return device_id_of(self.ce["source"])

    def normalized(self) -> dict[str, Any]:
        """The normalized event: the CloudEvent's attributes and data plus the `hub` block."""
        body = dict(self.ce)
        body["hub"] = self.hub.model_dump() if self.hub else None
        return body

    def normalized_json(self) -> bytes:
        """`normalized()` as JSON bytes, encoded once for the store, the republish and whoever else asks.
        Call it only once the event is complete (after the pipeline's steps)."""
        if self._json is None:  # orjson writes the dataclass's fields itself: ≈ 2 µs less than model_dump first
            self._json = orjson.dumps({**self.ce, "hub": self.hub})
        return self._json


_UID_PREFIX = hashlib.sha1(b"cityhub:")  # copied per event, never updated itself
_MAX_MS = 2**48 - 1
_LOW_62 = 2**62 - 1
_VERSION_8 = 0x8 << 76 | 0b10 << 62  # RFC 9562: version 8 (custom), variant 10


def device_id_of(source: object) -> str:
    """The device a CloudEvent source names: its last path segment (`/jiangmen/water/sys/WL-001` → `WL-001`)."""
    return str(source).rsplit("/", 1)[-1]


def event_uid(source: str, event_id: str, epoch: float) -> str:
    """The hub's own id of an event: stable (the same event always gets the same one), URL-safe, unique
    across sources, and in the order of event time.

    A UUID of version 8 (RFC 9562's layout for custom ones): the event time in Unix milliseconds (48 bits),
    then the first 74 bits of SHA-1 over "cityhub:<length of source>:<source>#<id>" (the length keeps a "#"
    in a source or an id from making two events one: "a#" and "b" against "a" and "#b"). In time order,
    the uid index of a store takes each batch near its end, a few pages, where a uid at random (the uuid5
    of earlier hubs) puts every event on a page of its own (in a small batch or a large table, a page
    written or read per event). Events stored with a uuid5 uid keep it; both are opaque, and what makes
    an event a repeat is its (source, id)."""
    digest = _UID_PREFIX.copy()
    digest.update(f"{len(source)}:{source}#{event_id}".encode())
    hashed = int.from_bytes(digest.digest()[:10]) >> 6  # the first 74 bits
    ms = min(max(int(epoch * 1000), 0), _MAX_MS)
    h = f"{ms << 80 | _VERSION_8 | hashed >> 62 << 64 | hashed & _LOW_62:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), np.uint8).reshape(256, 2)
_UID_DIGITS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])  # where the 32 hex digits go


def event_uids(keys: list[tuple[str, str, float]]) -> list[str]:
    """`event_uid` of each (source, id, epoch) of a batch: the hashes one by one, then the layout and the text
    for the whole batch at once, as arrays."""
    prefix, digests, times = _UID_PREFIX, bytearray(), []
    for source, event_id, epoch in keys:
        digest = prefix.copy()
        digest.update(f"{len(source)}:{source}#{event_id}".encode())
        digests += digest.digest()[:10]
        times.append(epoch)
    count = len(times)
    ms = np.trunc(np.array(times, np.float64) * 1000)
    if not count or not np.isfinite(ms).all():  # nothing, or a time no uid has: as `event_uid` answers it
        return [event_uid(*key) for key in keys]
    hashed = np.frombuffer(bytes(digests), np.uint8).reshape(count, 10)
    first = hashed[:, :8].copy().view(">u8").ravel().astype(np.uint64)  # the digest's bits 0..63
    last = hashed[:, 8].astype(np.uint64) << np.uint64(8) | hashed[:, 9]  # its bits 64..79
    uid = np.empty((count, 2), ">u8")
    uid[:, 0] = np.clip(ms, 0, _MAX_MS).astype(np.uint64) << np.uint64(16) | np.uint64(0x8000) | first >> np.uint64(52)
    uid[:, 1] = np.uint64(0b10 << 62) | (first << np.uint64(12) | last >> np.uint64(4)) >> np.uint64(2)
    text = np.full((count, 36), ord("-"), np.uint8)
    text[:, _UID_DIGITS] = _HEX[uid.view(np.uint8).reshape(count, 16)].reshape(count, 32)
    joined = text.tobytes().decode("ascii")
    return [joined[i:i + 36] for i in range(0, 36 * count, 36)]
