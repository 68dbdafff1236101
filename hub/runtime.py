"""One running hub: store, geography, pipeline, live stream and the ingest transports."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import threading
import time
from typing import Any

from hub.command.desk import CommandDesk
from hub.exchange import open_exchange
from hub.exchange.reports import device_rates
from hub.geo import load_city
from hub.health.monitoring import Monitoring
from hub.healthz import StoreProbe
from hub.incidents import open_incidents
from hub.incidents.neighbours import CellNeighbours
from hub.live import LiveStream
from hub.notify import open_notifier
from hub.people import open_people
from hub.pipeline.decode import Limits
from hub.pipeline.process import Pipeline
from hub.pipeline.rules import load_rules
from hub.registry import load_registry
from hub.settings import Settings
from hub.store import open_store
from hub.supervision.worktime import work_calendar
from hub.transports.base import Ingest, kafka_url, transport_for
from hub.trust.keys import KeyRing, KeyTable
from hub.trust.verify import Verifier

log = logging.getLogger(__name__)


def return_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's `malloc_trim`). Loading the geography
    and building the neighbour table free ≈ 90 MB of temporaries (GeoJSON, shapely geometries) that
    glibc would otherwise keep in the process's RSS for good. Elsewhere than glibc, nothing."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)


class Hub:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.warm = threading.Event()  # set once the geography and the cells' neighbours are loaded (start)
        self.store = open_store(settings.store_url)
        self.store_probe = StoreProbe(self.store.counts)
        self.geo = load_city()
        self.registry = load_registry()
        limits = Limits(settings.max_payload_bytes, settings.max_age_days * 86400, settings.max_ahead_s)
        ring = KeyRing(KeyTable(settings.store_url), settings.keys_refresh_s)
        self.pipeline = Pipeline(self.store, self.geo, self.registry, limits,
                                 Verifier(ring, settings.require_signed_events))
        self.live = LiveStream(settings.live_buffer)
        self.pipeline.sinks.append(self.live.sink)
        self.pipeline.steps.append(functools.partial(load_rules().apply, device_meta=self.registry.meta))
        self.neighbours = CellNeighbours(self.geo)
        self.incidents = open_incidents(settings.store_url, self.live.publish, neighbours=self.neighbours,
                                        work_windows=settings.work_windows,
                                        work_calendar_file=settings.work_calendar_file)
        self.pipeline.sinks.append(self.incidents.sink)
        self.people = open_people(settings.store_url, settings.token_ttl_s, settings.signin_failures_per_user,
                                  settings.signin_failures_per_address, settings.signin_window_s)
        self.monitoring = Monitoring(self.registry, self.incidents, self.store, settings.device_cadences,
                                     settings.quality_levels, settings.forecast_file)
        self.pipeline.steps.append(self.monitoring.step)
        self.pipeline.sinks.append(self.monitoring.sink)
        self.notifier = open_notifier(settings, self.incidents, self.live.publish)
        self.province = open_exchange(settings, self.incidents, self.store.stats,
                                      lambda: device_rates(self.monitoring.devices, time.time()))
        self.command = CommandDesk(self.incidents, silent_after_s=settings.unit_silent_s)  # hub/command
        self.pipeline.sinks.append(self.command.sink)
        self.ingests: dict[str, Ingest] = {}
        for url in (settings.mqtt, settings.kafka and kafka_url(settings.kafka)):
            if url:
                self.ingests |= transport_for(url).ingests(url, self.pipeline, self.live, settings)
        if settings.live_from_kafka:  # a map/API instance: the workers' normalized stream feeds its live map
            url = kafka_url(settings.live_from_kafka)
            self.ingests |= transport_for(url).follow(url, self.pipeline, self.live, settings)

    def start(self) -> None:
        # the address library, grid index and cells layer load in the background, not in the first batch
        threading.Thread(target=self._warm, name="geo-warm", daemon=True).start()
        self.incidents.start(self.settings.incident_check_s)
        self.monitoring.start(self.settings.health_check_s)
        self.notifier.start(self.settings.notify_every_s)
        self.province.start(self.settings.exchange_every_s)
        for ingest in self.ingests.values():
            ingest.start()

    def _warm(self) -> None:
        self.geo.warm()
        self.neighbours.table()  # ≈ 0.5 s of shapely: before the first sighting, and frozen with the rest
        # the city's geography is ~a million long-lived objects: keep the collector from rescanning them
        gc.collect()
        gc.freeze()
        return_freed_memory()
        self.warm.set()
        log.info("geography and cells' neighbours loaded")

    def stop(self) -> None:
        for ingest in self.ingests.values():
            ingest.stop()
        self.monitoring.stop()
        self.notifier.stop()
        self.province.stop()
        self.incidents.close()
        self.people.close()
        self.store_probe.close()
        self.store.close()

    def health(self) -> dict[str, Any]:
        transports = {name: i.status() for name, i in self.ingests.items()}  # connected, healthy, backlog, lag
        counts, answering = self.store_probe.read()  # never waits long on a store that cannot be reached
        return {"status": "ok" if answering else "degraded", "store": counts, "store_answering": answering,
                "transports": transports,
                "totals": {"stored": self.pipeline.totals.stored, "duplicates": self.pipeline.totals.duplicates,
                           "dead": self.pipeline.totals.dead, "batches": self.pipeline.totals.batches},
                "live_clients": len(self.live.clients), "warm": self.warm.is_set(),
                "work_calendar": work_calendar().describe()}
