"""What travels through the hub: raw messages, dead letters, accepted events and the hub's normalized block."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

SEVERITY_NAMES = ("info", "notice", "minor", "major", "critical")
LocationMethod = Literal["coordinates", "address", "device", "none"]


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


class HubBlock(BaseModel):
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
    severity: int = Field(default=0, ge=0, le=4)
    department: str | None = None
    time_limit_h: float | None = None
    plan_items: list[str] = Field(default_factory=list)
    alarms: list[str] = Field(default_factory=list)


@dataclass(slots=True)
class Event:
    """An accepted CloudEvent with the message it came in and, once normalized, the hub's block."""

    ce: dict[str, Any]
    message: Message
    hub: HubBlock | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.ce["source"], self.ce["id"])

    @property
    def domain(self) -> str:
        return str(self.ce["type"]).split(".")[1]

    @property
    def device_id(self) -> str:
        return str(self.ce["source"]).rsplit("/", 1)[-1]

    def normalized(self) -> dict[str, Any]:
        """The normalized event: the CloudEvent's attributes and data plus the `hub` block."""
        body = dict(self.ce)
        body["hub"] = self.hub.model_dump() if self.hub else None
        return body


def event_uid(source: str, event_id: str) -> str:
    """The hub's own id of an event: stable, URL-safe, unique across sources."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cityhub:{source}#{event_id}"))
