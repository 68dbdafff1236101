"""The forecaster of a running hub: it keeps the last hours of water events by event time and forecasts a
point each time the point or a rain gauge around it reports. It issues a 预警 (forecast warning, an incident
of kind forecast-warning to the point's owner department) when the forecast reaches the threshold, and
withdraws it once the measured value is below the threshold and every forecast below `withdraw_below` ×
threshold. It refits its model from the store's history every `fit.every_h`.

Times are event times: a replayed storm gets the same forecasts and lead times at any replay speed."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.events import DeadLetter, Event, epoch
from hub.forecast.history import History
from hub.forecast.model import Fitted, features, fit
from hub.forecast.points import ForecastSettings, Point, forecast_points
from hub.health.alarms import Alarms, Raise
from hub.incidents.views import iso
from hub.registry import DeviceRegistry
from hub.store import EventQuery, Store

log = logging.getLogger(__name__)
KEEP_S = 4 * 3600.0  # live history kept: the model looks back 3 hours
WHO = "system:forecast"
CHINA = timezone(timedelta(hours=8))


@dataclass(slots=True)
class Forecast:
    at: float  # the event time it is made for
    value: float
    predicted: dict[int, float]  # horizon (min) → value
    crossing_at: float | None  # when the path reaches the threshold (at: already there); None: not within
    warning_id: int | None = None
    warned_at: float | None = None  # event time the warning in force was issued
    spans: list[list[float | None]] = field(default_factory=list)  # [issued, withdrawn or None] per warning


def crossing(at: float, value: float, predicted: dict[int, float], threshold: float) -> float | None:
    """The first time the piecewise-linear path through now and the forecasts reaches the threshold."""
    if value >= threshold:
        return at
    t0, v0 = at, value
    for horizon in sorted(predicted):
        t1, v1 = at + horizon * 60, predicted[horizon]
        if v1 >= threshold:
            return t0 + (t1 - t0) * (threshold - v0) / (v1 - v0)
        t0, v0 = t1, v1
    return None


class Forecaster:
    def __init__(self, registry: DeviceRegistry, settings: ForecastSettings, alarms: Alarms | None = None) -> None:
        self.settings, self.alarms = settings, alarms
        self.points = forecast_points(registry, settings)
        self.around: dict[str, list[Point]] = {}  # rain gauge → the points that read it
        for point in self.points.values():
            for gauge, _ in point.gauges:
                self.around.setdefault(gauge, []).append(point)
        self.fields = {k.type: k.value for k in settings.kinds.values()}
        self.read = frozenset((*self.fields, "city.water.rainfall", "city.weather.warning"))  # the types it keeps
        self.history = self.new_history()
        self.models: dict[str, Fitted] = {}
        self.current: dict[str, Forecast] = {}
        self.fitted_at: float | None = None
        self.latest = 0.0  # the latest event time seen
        self.lock = threading.Lock()

    def new_history(self) -> History:
        return History(self.fields, self.settings.hazards, self.settings.colours)

    # ── the pipeline's sink ──
    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """A point's own report, or a report of a rain gauge around it, forecasts the point again."""
        read, reported = self.read, []
        with self.lock:
            for event in fresh:
                ce = event.ce
                kind = ce["type"]
                if kind in read:
                    at = event.seconds
                    device = ce["source"].rpartition("/")[2]
                    self.latest = max(self.latest, at)
                    if self.history.add(kind, device, at, ce["data"]) and device in self.points:
                        reported.append((self.points[device], at))
                    elif kind == "city.water.rainfall":
                        reported += [(point, at) for point in self.around.get(device, ())]
        for point, at in reported:
            self.forecast(point, at)

    def forecast(self, point: Point, at: float) -> Forecast | None:
        model = self.models.get(point.kind)
        if model is None:  # no model of its kind yet: nothing to forecast, so the history is not read
            return None
        with self.lock:
            x = features(point, self.history, at)
        if x is None:
            return None
        kept = self.current.get(point.device_id)
        if kept is not None and kept.at > at:
            return kept  # a late reading does not replace a newer forecast
        predicted = {h: round(v, 3) for h, v in model.predict(x, device_id=point.device_id).items()}
        made = Forecast(at, x[1], predicted, crossing(at, x[1], predicted, point.threshold))
        if kept is not None:
            made.warning_id, made.warned_at, made.spans = kept.warning_id, kept.warned_at, kept.spans
        self.current[point.device_id] = made
        self._warn(point, made)
        return made

    def _warn(self, point: Point, made: Forecast) -> None:
        peak = max(made.predicted.values())
        if made.warning_id is None and made.warned_at is None and peak >= point.threshold:
            made.warned_at = made.at
            made.spans.append([made.at, None])
            if self.alarms:
                made.warning_id = self.alarms.open(self._raise(point, made), WHO)
        elif (made.warned_at is not None and made.value < point.threshold
              and peak < self.settings.withdraw_below * point.threshold):
            if self.alarms and made.warning_id is not None:
                unit = self._unit(point)
                self.alarms.close(made.warning_id, f"预报回落：未来 {max(made.predicted)} 分钟内最高 {peak:g}{unit}，"
                                  f"低于阈值 {point.threshold:g}{unit}，预警解除", WHO)
            made.warning_id = made.warned_at = None
            made.spans[-1][1] = made.at

    def _unit(self, point: Point) -> str:
        return self.settings.kinds[point.kind].unit

    def _raise(self, point: Point, made: Forecast) -> Raise:
        unit, name = self._unit(point), point.row.get("name") or point.device_id
        when = datetime.fromtimestamp(made.crossing_at or made.at, CHINA).strftime("%H:%M")
        what = "积水" if point.kind == "waterlogging" else "水位"
        path = "，".join(f"+{h} 分钟 {v:g}{unit}" for h, v in sorted(made.predicted.items()))
        return Raise("forecast-warning", f"hub.forecast.{point.kind}", f"预警：{name}（{point.device_id}）预计 {when}"
                     f" {what}超过 {point.threshold:g}{unit}", point.row.get("department"), 2, point.row,
                     f"现值 {made.value:g}{unit}；预报 {path}", made.at)

    # ── fitting from the store ──
    def load(self, store: Store, since: float, until: float) -> History:
        """The store's water events and rain warnings in [since, until) as a fresh history."""
        history = self.new_history()
        for event_type in (*self.fields, "city.water.rainfall", "city.weather.warning"):
            before = None
            while True:
                page = store.events(EventQuery(type=event_type, since=since, until=until, limit=10_000, before=before))
                for item in page.items:
                    history.add(event_type, str(item["source"]).rpartition("/")[2], epoch(item["time"]),
                                item.get("data") or {})
                if page.next_cursor is None:
                    break
                before = page.next_cursor
        return history

    def refit(self, store: Store, until: float) -> dict[str, Fitted]:
        since = until - self.settings.history_days * 86400
        history = self.load(store, since, until)
        fitted = {}
        for kind in self.settings.kinds:
            points = [p for p in self.points.values() if p.kind == kind]
            model = fit(kind, points, history, self.settings.horizons_min, self.settings.step_s, since, until,
                        self.settings.ridge, self.settings.point_min_samples, self.settings.point_prior_samples)
            if model is not None and model.samples >= self.settings.min_samples:
                fitted[kind] = model
        self.models.update(fitted)
        self.fitted_at = until
        return fitted

    def check(self, store: Store, now: float) -> None:
        if self.fitted_at is None or now - self.fitted_at >= self.settings.fit_every_s:
            self.refit(store, now)
        with self.lock:
            self.history.trim(self.latest - KEEP_S)

    def view(self, kind: str) -> list[dict[str, Any]]:
        items, model = [], self.models.get(kind)
        for point in self.points.values():
            if point.kind != kind:
                continue
            made = self.current.get(point.device_id)
            items.append({"point_id": point.device_id, "device_id": point.device_id, "name": point.row.get("name"),
                          "lon": point.row.get("lon"), "lat": point.row.get("lat"),
                          "district_code": point.row.get("district_code"),
                          "grid_code": point.row.get("grid_code"),
                          "department": point.row.get("department"), "threshold": point.threshold,
                          "unit": self._unit(point), "at": iso(made.at) if made else None,
                          "value": made.value if made else None,
                          "predicted": {f"+{h}min": v for h, v in made.predicted.items()} if made else None,
                          "expected_crossing_at": iso(made.crossing_at) if made and made.crossing_at else None,
                          "warning": made is not None and made.warned_at is not None,
                          "warning_incident": made.warning_id if made else None,
                          "coefficients": None if model is None else "own" if point.device_id in model.points
                          else "pooled"})
        return items
