"""The hub's pipeline over a batch of raw messages: decode → place → classify and route → store → fan out.

Transports call `process` and acknowledge the batch only after it returns: by then every
message is stored or dead-lettered. A store failure raises, so nothing is acknowledged.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from hub.events import DeadLetter, Event, Message
from hub.geo import CityGeo
from hub.pipeline.decode import Limits, Trust, decode_batch
from hub.pipeline.placement import DeviceRegistry, place
from hub.pipeline.routing import classify_and_route
from hub.store import Store

log = logging.getLogger(__name__)
Sink = Callable[[list[Event], list[DeadLetter]], None]
Step = Callable[[list[Event]], None]  # runs on the placed, routed events before store (e.g. the rules)


@dataclass(slots=True)
class Outcome:
    stored: int = 0
    duplicates: int = 0
    dead: int = 0
    batches: int = 0  # in the totals: the batches committed (events per transaction = the others ÷ this)


@dataclass(slots=True)
class Normalized:
    """A batch decoded, placed, routed and through the steps, not yet stored."""
    events: list[Event]
    dead: list[DeadLetter]


class Pipeline:
    def __init__(self, store: Store, geo: CityGeo, registry: DeviceRegistry, limits: Limits | None = None,
                 trust: Trust | None = None) -> None:
        self.store, self.geo, self.registry = store, geo, registry
        self.limits = limits or Limits()
        self.trust = trust  # the signed-events check (hub.trust.verify), None: signatures are not read
        self.sinks: list[Sink] = []
        self.steps: list[Step] = []
        self.totals = Outcome()

    def process(self, batch: list[Message]) -> Outcome:
        return self.commit(self.prepare(batch))

    def prepare(self, batch: list[Message]) -> Normalized:
        """Decode, place, route and the steps: pure computation, never reads or writes the store, so a worker
        may prepare the next batch while this one is written (`BatchWorker`'s overlap)."""
        try:
            events, dead = self.normalize(batch)
        except Exception:  # a bug must not stop ingest: retry one by one, dead-letter what still fails
            log.exception("batch normalization failed; retrying message by message")
            events, dead = self._one_by_one(batch)
        return Normalized(events, dead)

    def commit(self, prepared: Normalized) -> Outcome:
        """Store a prepared batch, dead-letter conflicting repeats, then run the sinks. A store failure raises
        before any sink ran; committing the same prepared batch again is safe (dedup by (source, id))."""
        events, dead = prepared.events, prepared.dead
        fresh = self.store.write(events, dead)
        conflicts = self._conflicts(events, fresh)
        if conflicts:
            self.store.write([], conflicts)
            dead = dead + conflicts
        outcome = Outcome(len(fresh), len(events) - len(fresh) - len(conflicts), len(dead))
        self.totals.stored += outcome.stored
        self.totals.duplicates += outcome.duplicates
        self.totals.dead += outcome.dead
        self.totals.batches += 1
        for sink in self.sinks:
            try:
                sink(fresh, dead)
            except Exception:
                log.exception("sink %r failed; the batch is stored all the same", sink)
        return outcome

    def normalize(self, batch: list[Message]) -> tuple[list[Event], list[DeadLetter]]:
        events, dead = decode_batch(batch, self.limits, self.trust)
        placed, outside = place(events, self.geo, self.registry)
        classify_and_route(placed)
        for step in self.steps:
            step(placed)
        return placed, dead + outside

    def _conflicts(self, events: list[Event], fresh: list[Event]) -> list[DeadLetter]:
        """A repeat of a stored (source, id) with other content: the first stays, the repeat is dead-lettered.
        (A redelivery, the same content again, is a harmless duplicate.)"""
        kept = {id(e) for e in fresh}
        letters = []
        for event in events:
            stored = None if id(event) in kept else self.store.stored(*event.key)
            if stored is None:
                continue
            raw = base64.b64decode(stored["raw"])
            if raw != event.message.payload and orjson.loads(raw) != orjson.loads(event.message.payload):
                letters.append(DeadLetter.of(event.message, f"duplicate id {event.ce['id']!r} of {event.ce['source']}"
                                             " with different content; the first one received is kept"))
        return letters

    def _one_by_one(self, batch: list[Message]) -> tuple[list[Event], list[DeadLetter]]:
        events: list[Event] = []
        dead: list[DeadLetter] = []
        for message in batch:
            try:
                ok, bad = self.normalize([message])
            except Exception as err:
                ok, bad = [], [DeadLetter.of(message, f"internal error: {type(err).__name__}: {err}")]
            events += ok
            dead += bad
        return events, dead
