"""The live map of a map/API instance: read `city.events.normalized` from Kafka, push it to `WS /ws/live`.

The multi-machine shape (DESIGN.md "Scale-out") runs hub workers that store and republish, and
map/API instances that serve the shared store and a live map. Such an instance stores nothing: it
reads every partition of the normalized topic without a consumer group, from the end, and never
commits. When it falls more than `max_lag` records behind (a burst, a slow machine) it skips to the
newest records: the map sheds what is stale; the store, written by the workers, has everything.

The workers republish an event once it is stored, so when they fall behind, what comes on the
normalized topic is as old as their backlog is long. Then the instance's fresh view
(hub.transports.fresh_view, opened on the workers' lag that hub.transports.kafka.lag reads from the
broker) shows the newest raw events of `city.events` as previews, and the feed holds back what the
workers republish (counted in the live stream's `held_back`), as a worker's map does with its store lane.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import orjson
from confluent_kafka import OFFSET_END, Consumer, TopicPartition

from hub.events import Event, HubBlock, Message
from hub.live import LiveStream, map_item
from hub.transports.kafka.client import fetched_end, reader_config, take_fetched
from hub.transports.kafka.republish import NORMALIZED

log = logging.getLogger(__name__)


def item_of(body: dict[str, Any], topic: str = NORMALIZED) -> dict[str, Any] | None:
    """The map item of a normalized event as a worker republished it; None when it is not one."""
    hub = body.get("hub")
    if not isinstance(hub, dict) or "uid" not in hub or not {"id", "source", "type", "time"} <= body.keys():
        return None
    ce = {k: v for k, v in body.items() if k != "hub"}
    ce.setdefault("data", {})
    return map_item(Event(ce, Message(b"", topic, "kafka"), HubBlock.model_validate(hub)))


class NormalizedFeed:
    def __init__(self, live: LiveStream, bootstrap: str, *, max_lag: int = 20_000, **client_options: Any) -> None:
        self.live, self.bootstrap, self.max_lag = live, bootstrap, max_lag
        self.client_options = {"bootstrap_servers": bootstrap.split(","), "client_id": "cityhub-map"} | client_options
        self.connected = False
        self.shown = self.skipped = self.bad = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="map-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10)

    def status(self) -> dict[str, Any]:
        return {"connected": self.connected, "topic": NORMALIZED, "shown": self.shown, "skipped": self.skipped,
                "bad": self.bad}

    def _run(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            try:
                self._follow()
                delay = 1.0
            except Exception as err:  # broker away: retry with backoff, never crash the instance
                self.connected = False
                log.warning("map feed from %s failed (%s: %s); retrying in %.0f s",
                            self.bootstrap, type(err).__name__, err, delay)
                self._stopping.wait(delay)
                delay = min(delay * 2, 30)

    def _follow(self) -> None:
        # librdkafka (as the ingest, hub.transports.kafka.ingest); assign() joins no group, but it wants a group id
        consumer = Consumer(reader_config(self.client_options) | {
            "group.id": f"cityhub-map-{uuid.uuid4().hex[:8]}", "enable.auto.commit": False, "fetch.wait.max.ms": 100,
            "logger": log, "log.connection.close": False})
        try:
            meta = consumer.list_topics(NORMALIZED, timeout=10).topics.get(NORMALIZED)
            if meta is None or meta.error is not None or not meta.partitions:
                raise LookupError(f"topic {NORMALIZED} has no partitions yet")
            parts = sorted(meta.partitions)
            consumer.assign([TopicPartition(NORMALIZED, p, OFFSET_END) for p in parts])
            self.connected = True
            read: dict[int, int] = {}
            while not self._stopping.is_set():
                polled = take_fetched(consumer, 5000, 0.2)
                items: list[dict[str, Any] | None] = []
                newest: dict[int, int] = {}
                for record in polled:
                    if record.error() is not None:
                        continue
                    partition, offset = record.partition(), record.offset()
                    read[partition] = offset + 1
                    cut = newest.get(partition)
                    if cut is None:
                        cut = newest[partition] = self._newest_from(consumer, partition)
                    if offset < cut:  # librdkafka fetches ahead: what it holds may be far behind the end
                        self.skipped += 1
                        continue
                    items.append(self._item(record.value()))
                shown = [i for i in items if i is not None]
                if self.live.relay(shown):  # held back while the fresh view shows newer ones
                    self.shown += len(shown)
                self._shed(consumer, read)
        finally:
            consumer.close()

    def _item(self, value: bytes | None) -> dict[str, Any] | None:
        try:
            found = item_of(orjson.loads(value or b""))
        except (orjson.JSONDecodeError, TypeError, ValueError):
            found = None
        if found is None:
            self.bad += 1
        return found

    def _newest_from(self, consumer: Consumer, partition: int) -> int:
        """The first offset of a partition worth showing: `max_lag` before its end as the last fetch saw it."""
        end = fetched_end(consumer, NORMALIZED, partition)
        return end - self.max_lag if end >= 0 else -1

    def _shed(self, consumer: Consumer, read: dict[int, int]) -> None:
        """From the ends the last fetches reported (no request of its own)."""
        for partition, done in read.items():
            end = fetched_end(consumer, NORMALIZED, partition)
            behind = end - done
            if end >= 0 and behind > self.max_lag:
                consumer.seek(TopicPartition(NORMALIZED, partition, end))
                read[partition] = end
                self.skipped += behind
