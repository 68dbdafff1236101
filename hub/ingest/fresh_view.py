"""What the map shows while the store works through a backlog: the newest events, not the oldest.

The hub's MQTT session is first-in, first-out: when events come faster than it can store them, the
backlog queues in the broker and in the hub's inbox, and every event the store lane takes is as old
as the backlog is long. Shown from there, the live map would trail the city by that much — a
minute or two after a surge of twice the hub's capacity.

So while the inbox holds `ON_BACKLOG` or more, the hub opens a second, throw-away MQTT session on
the same topics (QoS 0, no stored session, its own share group when workers share the load). The
broker gives it every event as it is published; each tick the view keeps the newest
`SHOW_PER_S / TICKS_PER_S` of what came since the last one, drops the rest (`skipped`), normalizes
them without storing (`Pipeline.prepare`) and hands them to the live stream as previews. Meanwhile
the live stream holds back the store lane's events (they are the old ones; `held_back` counts them):
the map sheds, the store never does. Every event is still stored exactly once by the store lane, at
its own pace, and acknowledged only then; a preview is only a picture of it, marked `"preview": true`,
whose details (`/api/events/{uid}`) answer once the store lane gets there.

When the inbox has held fewer than `OFF_BACKLOG` for `OFF_AFTER_S` (the broker has nothing more
queued: the network thread reads as fast as the inbox takes), the view closes its session and the
live stream shows the store lane's events again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

import paho.mqtt.client as paho

from hub.events import Message
from hub.ingest.mqtt import TOPIC, Client, connect_async, mqtt_client
from hub.live import LiveStream
from hub.pipeline import Pipeline
from hub.security import redacted

log = logging.getLogger(__name__)
ON_BACKLOG = 2000  # messages in the store lane's inbox (≈ 0.3 s of one worker's work) that open the view
OFF_BACKLOG = 500
OFF_AFTER_S = 2.0
TICKS_PER_S = 10
SHOW_PER_S = 1000  # the most events a second a worker's map gets while the view is open
HELD_MAX = 2 * SHOW_PER_S // TICKS_PER_S  # received and not yet looked at: older ones are skipped


class FreshView:
    """Runs a watcher thread; opens and closes its MQTT session as the store lane's backlog comes and goes."""

    def __init__(self, pipeline: Pipeline, live: LiveStream, url: str, backlog: Callable[[], int], *,
                 client_id: str = "cityhub", v5: bool = True, share_group: str | None = None) -> None:
        self.pipeline, self.live, self.url, self.backlog = pipeline, live, url, backlog
        self.client_id, self.v5 = f"{client_id}-fresh", v5
        self.topic = f"$share/{share_group}-fresh/{TOPIC}" if share_group and v5 else TOPIC
        self.opened = 0  # times the view was opened
        self.received = 0  # events the view's session brought
        self.shown = 0  # of them, normalized and shown on the map
        self.skipped = 0  # of them, dropped for newer ones (each is still stored by the store lane)
        self._held: deque[tuple[str, bytes]] = deque(maxlen=HELD_MAX)
        self._client: Client | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="mqtt-fresh-view", daemon=True)

    @property
    def open(self) -> bool:
        return self._client is not None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._close()

    def status(self) -> dict[str, object]:
        return {"open": self.open, "opened": self.opened, "received": self.received, "shown": self.shown,
                "skipped": self.skipped, "held_back": self.live.held_back}

    def _watch(self) -> None:
        quiet_since: float | None = None
        while not self._stop.wait(1 / TICKS_PER_S):
            try:
                backlog = self.backlog()
                if self._client is None:
                    if backlog >= ON_BACKLOG:
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
                    log.info("store lane caught up: the map follows it again (fresh view shown %d, skipped %d)",
                             self.shown, self.skipped)
            except Exception:  # the view is a nicety: never let it take the hub down
                log.exception("fresh view failed; closing it")
                self._close()

    def _open(self, backlog: int) -> None:
        client = mqtt_client(self.url, self.client_id, v5=self.v5, persistent=False, manual_ack=True)
        client.fast_handler = self._on_publish
        client.batch_handler = self._on_publishes
        client.on_connect = self._on_connect
        connect_async(client, self.url, v5=self.v5, persistent=False)
        client.loop_start()
        self._client = client
        self.opened += 1
        self.live.held_back_on = True
        log.warning("%d events wait for the store: the map shows the newest as they are published (fresh view "
                    "on %s, at most %d/s) while the store works through the backlog", backlog,
                    redacted(self.url), SHOW_PER_S)

    def _close(self) -> None:
        client, self._client = self._client, None
        self.live.held_back_on = False
        if client is not None:
            client.disconnect()
            client.loop_stop()
        self._held.clear()

    def _on_connect(self, client: paho.Client, userdata: object, flags: object, reason: object,
                    props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.error("fresh view: the broker refused %s: %s", self.client_id, reason)
            return
        client.subscribe(self.topic, qos=0)

    def _on_publish(self, topic: str, payload: bytes, mid: int, qos: int) -> None:
        self._take([(topic, payload)])

    def _on_publishes(self, publishes: list[tuple[str, bytes, int, int]]) -> None:
        self._take([(topic, payload) for topic, payload, _, _ in publishes])

    def _take(self, items: list[tuple[str, bytes]]) -> None:
        held = self._held
        overflow = len(held) + len(items) - HELD_MAX
        if overflow > 0:
            self.skipped += overflow
        held.extend(items)  # a full deque lets go of its oldest
        self.received += len(items)

    def _show(self) -> None:
        held, self._held = self._held, deque(maxlen=HELD_MAX)
        items = list(held)
        per_tick = SHOW_PER_S // TICKS_PER_S
        if len(items) > per_tick:
            self.skipped += len(items) - per_tick
            items = items[-per_tick:]
        if not items:
            return
        prepared = self.pipeline.prepare([Message(payload, topic, "mqtt") for topic, payload in items])
        self.live.preview(prepared.events)
        self.shown += len(prepared.events)
