"""What every adapter is: a name, the domain and system it publishes as, and a pure `adapt` function."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any, Literal

import fastjsonschema

from adapters.declaration import Fleet, Raises

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
CloudEvent = dict[str, Any]
DEVICE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class NativeRejected(ValueError):
    """A native message the adapter cannot turn into events; the text says why."""


@dataclass(frozen=True, slots=True)
class Adapter:
    name: str  # e.g. "parking-lots"
    domain: str  # the second part of its event types; the MQTT topic's middle level
    system: str  # the source system's id: topic city/<domain>/<system>, source /jiangmen/<domain>/<system>/<device>
    event_types: tuple[str, ...]
    simulator: str  # the name of its simulator in simulators/
    framing: Literal["document", "lines"]  # one native message per file, or one per line
    adapt: Callable[[bytes], list[CloudEvent]]
    summary: str = ""
    raises: Mapping[str, Raises] = dataclasses.field(default_factory=dict)  # event type → its case class
    fleets: tuple[Fleet, ...] = ()  # its devices in the device registry (maps/build_device_registry.py)

    @property
    def topic(self) -> str:
        return f"city/{self.domain}/{self.system}"

    def source(self, device_id: str) -> str:
        return f"/jiangmen/{self.domain}/{self.system}/{checked_device_id(device_id)}"


def cloudevent(source: str, event_type: str, event_id: str, time: datetime, data: dict[str, Any]) -> CloudEvent:
    """A CloudEvent whose data already passes its type's schema; otherwise NativeRejected, never a bad event."""
    if time.tzinfo is None:
        raise NativeRejected("time without a UTC offset")
    event = {
        "specversion": "1.0", "id": event_id, "source": source, "type": event_type,
        "time": time.isoformat(timespec="seconds"), "datacontenttype": "application/json", "data": data,
    }
    conform(event)
    return event


def local_time(text: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """A wall-clock time as Chinese systems send it (no offset): Beijing time."""
    try:
        return datetime.strptime(text.strip(), fmt).replace(tzinfo=CHINA_TIME)
    except (ValueError, AttributeError):
        raise NativeRejected(f"time {text!r} is not {fmt}") from None


def epoch_ms_time(value: Any) -> datetime:
    """Milliseconds since the epoch, as IoT platforms (CTWing, OneNET) stamp their pushes."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1e12 <= value < 1e13:
        raise NativeRejected(f"timestamp {value!r} is not epoch milliseconds")
    return datetime.fromtimestamp(value / 1000, CHINA_TIME)


def iso_time(text: Any) -> datetime:
    """An ISO 8601 time; without an offset it is Beijing time."""
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise NativeRejected(f"time {text!r} is not ISO 8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)


def checked_device_id(value: Any) -> str:
    text = str(value).strip()
    if not DEVICE_ID.fullmatch(text):
        raise NativeRejected(f"device id {text[:80]!r} is not usable in a source URI ([A-Za-z0-9._-], ≤64)")
    return text


def json_document(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise NativeRejected(f"not JSON: {str(err)[:120]}") from None


def finite(value: Any, what: str, low: float = -math.inf, high: float = math.inf) -> float:
    """A number from a native field, finite and within [low, high]."""
    if isinstance(value, bool):
        raise NativeRejected(f"{what}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise NativeRejected(f"{what}: {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise NativeRejected(f"{what}: {number} outside {low}..{high}")
    return number


def whole(value: Any, what: str, low: int = -(2**53), high: int = 2**53) -> int:
    number = finite(value, what, low, high)
    if number != int(number):
        raise NativeRejected(f"{what}: {value!r} is not a whole number")
    return int(number)


def text(value: Any, what: str, max_len: int = 200) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise NativeRejected(f"{what}: missing or not text")
    return str(value).strip()[:max_len]


def field(record: Any, key: str, what: str = "") -> Any:
    if not isinstance(record, dict):
        raise NativeRejected(f"{what or 'record'} is not an object")
    if key not in record or record[key] is None:
        raise NativeRejected(f"{what + ': ' if what else ''}missing field {key!r}")
    return record[key]


@cache
def _validator(event_type: str) -> Callable[[Any], Any] | None:
    from hub import schemas

    if event_type not in schemas.event_types():
        return None
    handler = {"https": schemas._local, "http": schemas._local}
    return fastjsonschema.compile(schemas.schema(event_type), handlers=handler, use_default=False)  # type: ignore[no-any-return]


def conform(event: CloudEvent) -> None:
    """Raise NativeRejected unless the event's data passes its type's schema in schemas/."""
    validate = _validator(event["type"])
    if validate is None:
        raise NativeRejected(f"no schema for event type {event['type']}")
    try:
        validate(event["data"])
    except fastjsonschema.JsonSchemaException as err:
        raise NativeRejected(f"maps to an invalid {event['type']}: {getattr(err, 'message', err)}") from None


CRS_NAMES = {"WGS84": "wgs84", "WGS-84": "wgs84", "CGCS2000": "wgs84", "GCJ02": "gcj02", "GCJ-02": "gcj02",
             "BD09": "bd09", "BD-09": "bd09", "BD09LL": "bd09"}


def point(lon: Any, lat: Any, crs: Any = "GCJ02", what: str = "location") -> dict[str, Any]:
    """A location from native coordinates and the datum the system names (CGCS2000 is taken as WGS 84)."""
    name = CRS_NAMES.get(str(crs).strip().upper())
    if name is None:
        raise NativeRejected(f"{what}: unknown coordinate system {str(crs)[:20]!r}")
    return {"lon": finite(lon, f"{what} longitude", -180, 180), "lat": finite(lat, f"{what} latitude", -90, 90),
            "crs": name}
