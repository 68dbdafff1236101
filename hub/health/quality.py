"""Data quality per source system, over sliding windows of one-minute buckets (kept for a day):

- completeness: reports received (distinct event times per device) ÷ reports expected from the registry's
  monitored devices of that source and their class cadences;
- timeliness: receipt minus event time, p50 and p95, from a fixed histogram per bucket;
- validity: the share of messages not dead-lettered, and the dead letters' reasons;
- duplicates: events whose (source, id) was already received (redeliveries and conflicting repeats).

A source is named by its adapter (e.g. water-sl651). Per event the sink does a few dictionary and list
updates; nothing touches the database.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from adapters.registry import ADAPTERS
from hub.events import DeadLetter, Event
from hub.health.cadences import Cadences
from hub.registry import DeviceRegistry

BUCKET_S = 60
KEEP = 1440  # a day of buckets
DELAY_EDGES = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)  # seconds; one more bin above
SYSTEMS = {f"{a.domain}/{a.system}": name for name, a in ADAPTERS.items()}
REASON_CHARS = 60  # reasons are grouped by their first words (the numbers at the end vary)


@dataclass(slots=True)
class Bucket:
    received: int = 0  # events before dedup
    fresh: int = 0
    reports: int = 0
    dead: int = 0
    conflicts: int = 0  # dead letters that are repeats with other content (also in `received`)
    delays: list[int] = field(default_factory=lambda: [0] * (len(DELAY_EDGES) + 1))
    reasons: Counter[str] = field(default_factory=Counter)


def duration_s(text: str) -> float:
    """"90s", "15m", "1h", "24h" or plain seconds → seconds; ValueError with the reason otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], units[text[-1]]) if text and text[-1] in units else (text, 1)
    try:
        value = float(number) * unit
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 1h or 24h") from None
    if not 0 < value < math.inf:
        raise ValueError(f"{text!r} must be a positive duration")
    return value


def system_of(source: str) -> str:
    """`/jiangmen/water/sl651/4407030001` → the adapter name; unknown systems keep their path."""
    parts = source.split("/")
    key = "/".join(parts[2:4]) if len(parts) >= 4 else source
    return SYSTEMS.get(key, key)


def percentile(counts: list[int], share: float) -> float | None:
    """The `share` quantile of the delay histogram, by linear interpolation inside its bin."""
    total = sum(counts)
    if not total:
        return None
    rank, running = share * total, 0
    for i, n in enumerate(counts):
        if n and running + n >= rank:
            low = 0.0 if i == 0 else DELAY_EDGES[i - 1]
            high = DELAY_EDGES[i] if i < len(DELAY_EDGES) else low * 2
            return round(low + (high - low) * (rank - running) / n, 1)
        running += n
    return float(DELAY_EDGES[-1])


class SourceQuality:
    def __init__(self, registry: DeviceRegistry, cadences: Cadences, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.started = clock()  # expected reports count from here: a window longer than the watch expects less
        self.buckets: dict[str, dict[int, Bucket]] = {}
        self.last_time: dict[str, float] = {}  # device source → its last counted report time
        self.expected_per_s: dict[str, float] = {}  # adapter → reports a second its monitored devices should send
        for row in registry.devices.values():
            cadence = cadences.of(row.get("kind") or "")
            if cadence:
                name = row.get("adapter") or ""
                self.expected_per_s[name] = self.expected_per_s.get(name, 0.0) + 1 / cadence
        self.lock = threading.Lock()

    def _bucket(self, system: str, at: float) -> Bucket:
        minute = int(at // BUCKET_S)
        buckets = self.buckets.get(system)
        if buckets is None:
            buckets = self.buckets[system] = {}
        found = buckets.get(minute)
        if found is None:
            found = buckets[minute] = Bucket()
            for old in [m for m in buckets if m <= minute - KEEP]:
                del buckets[old]
        return found

    # ── a pipeline step (every event, duplicates too) and a sink (what was stored, the dead letters) ──
    def step(self, events: list[Event]) -> None:
        """Counts per source first, then per system: a source's system and bucket are found once per batch."""
        now, received = self.clock(), dict[str, int]()
        for event in events:
            source = event.ce["source"]
            received[source] = received.get(source, 0) + 1
        with self.lock:
            for source, count in received.items():
                self._bucket(system_of(source), now).received += count

    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        now, edges = self.clock(), DELAY_EDGES
        bucket_of: dict[str, Bucket] = {}  # source → its system's bucket now, found once per batch
        with self.lock:
            for event in fresh:
                source = event.ce["source"]
                bucket = bucket_of.get(source)
                if bucket is None:
                    bucket = bucket_of[source] = self._bucket(system_of(source), now)
                bucket.fresh += 1
                at = event.seconds
                received = event.hub.received_at if event.hub else now
                bucket.delays[bisect.bisect_left(edges, max(received - at, 0.0))] += 1
                if self.last_time.get(source) != at:
                    self.last_time[source] = at
                    bucket.reports += 1
            for letter in dead:
                bucket = self._bucket(self._dead_system(letter), now)
                bucket.dead += 1
                bucket.conflicts += letter.reason.startswith("duplicate id")
                bucket.reasons[letter.reason[:REASON_CHARS]] += 1

    @staticmethod
    def _dead_system(letter: DeadLetter) -> str:
        parts = letter.topic.split("/")
        if len(parts) == 3 and parts[0] == "city":
            return SYSTEMS.get(f"{parts[1]}/{parts[2]}", f"{parts[1]}/{parts[2]}")
        try:
            return system_of(str(orjson.loads(letter.raw)["source"]))
        except Exception:
            return "unknown"

    # ── the figures ──
    def sources(self) -> list[str]:
        return sorted(set(self.buckets) | {s for s, rate in self.expected_per_s.items() if rate})

    def figures(self, system: str, window_s: float, now: float | None = None) -> dict[str, Any]:
        now = self.clock() if now is None else now
        first = int((now - window_s) // BUCKET_S)  # the bucket the window starts in, partly covered
        with self.lock:
            kept = [b for m, b in (self.buckets.get(system) or {}).items() if m >= first]
            total = Bucket()
            for b in kept:
                total.received += b.received
                total.fresh += b.fresh
                total.reports += b.reports
                total.dead += b.dead
                total.conflicts += b.conflicts
                total.delays = [x + y for x, y in zip(total.delays, b.delays, strict=True)]
                total.reasons.update(b.reasons)
        expected = self.expected_per_s.get(system, 0.0) * min(window_s, max(now - self.started, 0.0))
        messages = total.received + total.dead - total.conflicts
        duplicates = max(total.received - total.fresh, 0)
        return {
            "source": system, "window_s": window_s, "messages": messages, "events": total.fresh,
            "reports": total.reports, "expected_reports": math.floor(expected) if expected else None,
            "completeness": round(min(total.reports / expected, 1.0), 4) if expected else None,
            "timeliness": {"p50_s": percentile(total.delays, 0.5), "p95_s": percentile(total.delays, 0.95)},
            "validity": round(1 - total.dead / messages, 4) if messages else None,
            "dead_letters": total.dead, "dead_reasons": dict(total.reasons.most_common(10)),
            "duplicates": duplicates, "duplicate_share": round(duplicates / total.received, 4) if total.received
            else None,
        }
