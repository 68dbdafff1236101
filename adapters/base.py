"""What every adapter is: a name, the domain and system it publishes as, and a pure `adapt` function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
CloudEvent = dict[str, Any]


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

    @property
    def topic(self) -> str:
        return f"city/{self.domain}/{self.system}"

    def source(self, device_id: str) -> str:
        return f"/jiangmen/{self.domain}/{self.system}/{device_id}"


def cloudevent(source: str, event_type: str, event_id: str, time: datetime, data: dict[str, Any]) -> CloudEvent:
    if time.tzinfo is None:
        raise NativeRejected("time without a UTC offset")
    return {
        "specversion": "1.0", "id": event_id, "source": source, "type": event_type,
        "time": time.isoformat(timespec="seconds"), "datacontenttype": "application/json", "data": data,
    }


def local_time(text: str, fmt: str = "%Y-%m-%d %H:%M:%S") -> datetime:
    """A wall-clock time as Chinese systems send it (no offset): Beijing time."""
    try:
        return datetime.strptime(text.strip(), fmt).replace(tzinfo=CHINA_TIME)
    except (ValueError, AttributeError):
        raise NativeRejected(f"time {text!r} is not {fmt}") from None
