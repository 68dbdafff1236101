"""What the map shows while the store works through a backlog: the newest events, not the oldest.

The hub's MQTT session is first-in, first-out: when events come faster than it can store them, the
backlog queues in the broker and in the hub's inbox, and every event the store lane takes is as old
as the backlog is long. Shown from there, the live map would trail the city by that much — a
minute or two after a surge of twice the hub's capacity.

So while the inbox holds `ON_BACKLOG` or more, the hub opens a glance at the newest events:
- MQTT (`hub.transports.mqtt.glance.MqttGlance`): a second, throw-away session on the same topics
  (QoS 0, no stored session, its own share group when workers share the load), which the broker gives
  every event as it is published;
- Kafka (`hub.transports.kafka.glance.KafkaGlance`): a consumer outside the group on the worker's own
  partitions, placed at their ends when the view opens, which reads what is appended after;
- a map/API instance (hub.transports.kafka.feed), whose map follows what the workers republish once
  stored: the same Kafka glance on every partition of `city.events`, opened on the workers' lag as
  the broker knows it (hub.transports.kafka.lag) instead of an inbox.
Each tick the view takes the newest `SHOW_PER_S / TICKS_PER_S` of what came since the last one,
passes over the rest (`skipped`), normalizes them without storing (`Pipeline.prepare`) and hands
them to the live stream as previews. Meanwhile the live stream holds back the store lane's events
(they are the old ones; `held_back` counts them): the map sheds, the store never does. Every event is
still stored exactly once by the store lane, at its own pace, and acknowledged only then; a preview
is only a picture of it, marked `"preview": true`, whose details (`/api/events/{uid}`) answer once
the store lane gets there.

When the inbox has held fewer than `OFF_BACKLOG` for `OFF_AFTER_S` (the broker has nothing more
queued: the transport reads as fast as the inbox takes), the view closes its glance and the live
stream shows the store lane's events again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from hub.events import Message
from hub.live import LiveStream
from hub.pipeline.process import Pipeline

log = logging.getLogger(__name__)
ON_BACKLOG = 2000  # messages in the store lane's inbox (≈ 0.3 s of one worker's work) that open the view
OFF_BACKLOG = 500
OFF_AFTER_S = 2.0
TICKS_PER_S = 10
SHOW_PER_S = 1000  # the most events a second a worker's map gets while the view is open
HELD_MAX = 2 * SHOW_PER_S // TICKS_PER_S  # received and not yet looked at: older ones are skipped
RETRY_AFTER_S = 10.0


class Glance(Protocol):
    """A look at the newest events of a transport, opened by the view and used from its thread only."""

    def take(self, most: int) -> tuple[list[Message], int]:
        """Messages that came since the last take, oldest first (the view keeps the last `most` of them),
        and how many others the glance passed over itself."""
        ...

    def close(self) -> None: ...


class FreshView:
    """Runs a watcher thread; opens and closes its glance as the store lane's backlog comes and goes."""

    def __init__(self, pipeline: Pipeline, live: LiveStream, open_glance: Callable[[], Glance],
                 backlog: Callable[[], int], *, name: str) -> None:
        self.pipeline, self.live, self.open_glance, self.backlog, self.name = pipeline, live, open_glance, backlog, name
        self.opened = 0  # times the view was opened
        self.shown = 0  # events normalized and shown on the map
        self.skipped = 0  # passed over for newer ones (each is still stored by the store lane)
        self.last_backlog = 0  # what `backlog()` said last
        self._glance: Glance | None = None
        self._retry_at = 0.0  # after a failure, not opened again before this (monotonic)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"{name}-fresh-view", daemon=True)

    @property
    def open(self) -> bool:
        return self._glance is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._close()
        close = getattr(self.backlog, "close", None)  # a backlog read from the broker holds a client
        if close is not None:
            close()

    def status(self) -> dict[str, object]:
        return {"open": self.open, "opened": self.opened, "shown": self.shown, "skipped": self.skipped,
                "held_back": self.live.held_back, "backlog": self.last_backlog}

    def _watch(self) -> None:
        quiet_since: float | None = None
        while not self._stop.wait(1 / TICKS_PER_S):
            try:
                backlog = self.last_backlog = self.backlog()
                if self._glance is None:
                    if backlog >= ON_BACKLOG and time.monotonic() >= self._retry_at:
                        self._open(backlog)
                        quiet_since = None
                    continue
                self._show()
                if backlog >= OFF_BACKLOG:
                    quiet_since = None
                elif quiet_since is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since >= OFF_AFTER_S:
                    self._close()
                    log.info("%s store lane caught up: the map follows it again (fresh view shown %d, skipped %d)",
                             self.name, self.shown, self.skipped)
            except Exception:  # the view is a nicety: never let it take the hub down
                log.exception("%s fresh view failed; closing it (not opened again for %.0f s)", self.name,
                              RETRY_AFTER_S)
                self._retry_at = time.monotonic() + RETRY_AFTER_S
                self._close()

    def _open(self, backlog: int) -> None:
        self._glance = self.open_glance()
        self.opened += 1
        self.live.hold_back(self.name, True)
        log.warning("%d %s events wait for the store: the map shows the newest as they are published (at most "
                    "%d/s) while the store works through the backlog", backlog, self.name, SHOW_PER_S)

    def _close(self) -> None:
        glance, self._glance = self._glance, None
        self.live.hold_back(self.name, False)
        if glance is not None:
            glance.close()

    def _show(self) -> None:
        assert self._glance is not None
        most = SHOW_PER_S // TICKS_PER_S
        messages, passed_over = self._glance.take(most)
        if len(messages) > most:
            passed_over += len(messages) - most
            messages = messages[-most:]
        self.skipped += passed_over
        if messages:
            prepared = self.pipeline.prepare(messages)
            self.live.preview(prepared.events)
            self.shown += len(prepared.events)
