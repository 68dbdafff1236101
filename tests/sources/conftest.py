"""What the source-system tests share: every adapter's golden fixture pairs and the hub's own check."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.base import Adapter, CloudEvent
from hub.events import Message
from hub.pipeline.decode import Limits, check

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def golden_pairs(adapter: Adapter) -> list[tuple[Path, Path]]:
    folder = FIXTURES / adapter.name
    return [(raw, raw.with_name(raw.name.removesuffix(".raw") + ".expected.json"))
            for raw in sorted(folder.glob("*.raw"))]


def messages(adapter: Adapter, raw: bytes) -> list[bytes]:
    """Native input as `cityhub adapt` splits it: one message a line, or the whole document."""
    return [line for line in raw.splitlines() if line.strip()] if adapter.framing == "lines" else [raw]


def adapt_all(adapter: Adapter, raw: bytes) -> list[CloudEvent]:
    events: list[CloudEvent] = []
    for message in messages(adapter, raw):
        events += adapter.adapt(message)
    return events


def expected(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8")))


def hub_accepts(adapter: Adapter, event: CloudEvent) -> None:
    """The hub's own decode check (envelope, data schema, source under the topic) as of the event's time."""
    when = datetime.fromisoformat(event["time"]).timestamp()
    message = Message(json.dumps(event).encode(), adapter.topic, "mqtt", received_at=when)
    check(copy.deepcopy(event), message, Limits())
