"""What the transport tests check and wait for: stored ids, readiness, reconnection, a paced source."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from tests.support import RunningHub, wait_for
from tests.transport.buses import Bus, Publisher
from tests.transport.events import TOPIC, occupancy
from tests.transport.hubproc import stored_ids


def db_of(running: RunningHub) -> Path:
    return Path(running.hub.settings.store_url.removeprefix("sqlite:///"))


def await_ready(bus: Bus, publisher: Publisher, db: Path, what: str) -> None:
    """Publish one probe event until the hub has stored it: the hub is subscribed and working."""
    probe = occupancy(f"probe-{what}", 0)

    def stored() -> bool:
        publisher.publish(TOPIC, [probe])
        return bool(stored_ids(db, probe["id"]))

    wait_for(stored, timeout=60, every=0.3, what=f"the hub on {bus.name} to store a probe event")


def await_stored(db: Path, run: str, count: int, timeout: float = 60) -> None:
    wait_for(lambda: sum(stored_ids(db, run + "-").values()) >= count, timeout=timeout,
             what=f"{count} events of run {run!r} stored")


def assert_exactly_once(db: Path, sent: list[dict[str, Any]], run: str) -> None:
    stored = stored_ids(db, run + "-")
    doubled = [i for i, n in stored.items() if n > 1]
    missing = {e["id"] for e in sent} - set(stored)
    assert not doubled, f"stored more than once: {doubled[:5]}"
    assert not missing, f"{len(missing)} of {len(sent)} never stored, e.g. {sorted(missing)[:5]}"
    assert set(stored) == {e["id"] for e in sent}


def ingest_of(running: RunningHub) -> Any:
    return next(iter(running.hub.ingests.values()))


def reconnections(ingest: Any) -> int:
    return int(getattr(ingest, "connections", 0) or getattr(ingest, "rebalances", 0))


def publish_paced(publisher: Publisher, sent: list[dict[str, Any]], per_second: float, done: threading.Event) -> None:
    chunk = 50
    began = time.monotonic()
    for i in range(0, len(sent), chunk):
        publisher.publish(TOPIC, sent[i:i + chunk])
        ahead = began + (i + chunk) / per_second - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    done.set()
