"""The hub's watch over its own inputs: device health, data quality per source and forecasts as one pipeline
step and sink, and the periodic check that turns them into alarms."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from hub.events import DeadLetter, Event
from hub.forecast import Forecaster, load_settings
from hub.health.alarms import Alarms
from hub.health.cadences import load_cadences
from hub.health.db import HealthTable
from hub.health.devices import DeviceHealth
from hub.health.levels import QualityAlarms, load_levels
from hub.health.quality import SourceQuality
from hub.incidents.service import IncidentService
from hub.registry import DeviceRegistry
from hub.store import Store

log = logging.getLogger(__name__)
Check = Callable[[float], object]


class Monitoring:
    """The pipeline's health sink and the checks that run every `every_s` seconds in one thread."""

    def __init__(self, registry: DeviceRegistry, incidents: IncidentService, store: Store,
                 cadences_file: Path | None = None, levels_file: Path | None = None, forecast_file: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.alarms = Alarms(incidents, clock)
        cadences = load_cadences(cadences_file)
        self.devices = DeviceHealth(registry, cadences, self.alarms, clock)
        self.table = HealthTable(incidents.store.db)
        self.table.load(self.devices)
        self.quality = SourceQuality(registry, cadences, clock)
        self.quality_alarms = QualityAlarms(self.quality, load_levels(levels_file), self.alarms)
        self.forecasts = Forecaster(registry, load_settings(forecast_file), self.alarms)
        self.steps: list[Callable[[list[Event]], None]] = [self.quality.step]
        self.sinks: list[Callable[[list[Event], list[DeadLetter]], None]] = [
            self.devices.sink, self.quality.sink, self.forecasts.sink]
        self.checks: list[Check] = [self.devices.check, lambda _now: self.table.save(self.devices),
                                    self.quality_alarms.check, lambda now: self.forecasts.check(store, now)]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self, events: list[Event]) -> None:
        for step in self.steps:
            step(events)

    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        for sink in self.sinks:
            sink(fresh, dead)

    def check(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        for check in self.checks:
            try:
                check(now)
            except Exception:
                log.exception("health check %r failed; it runs again at the next check", check)

    def start(self, every_s: float) -> None:
        if every_s <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="health-check", daemon=True)
        self._thread.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        try:  # what changed since the last check is kept; the other checks wait for the next start
            self.table.save(self.devices)
        except Exception:
            log.exception("could not keep the device states at stop")


__all__ = ["DeviceHealth", "Monitoring"]
