"""The forecast points (waterlogging sensors, river gauges) with their thresholds and the rain gauges around
them, and the forecast settings, from hub/data/forecast.yaml and the device registry."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.pipeline.routing import DATA
from hub.registry import DeviceRegistry

FORECAST_FILE = DATA / "forecast.yaml"
KM_PER_DEG = (102.85, 110.75)  # at Jiangmen's latitude


@dataclass(frozen=True)
class PointKind:
    name: str  # waterlogging | river
    device_kind: str
    type: str
    value: str
    unit: str
    threshold: float | None
    threshold_meta: str | None
    title: str = ""  # its name for people, e.g. 内涝积水


@dataclass(frozen=True)
class Point:
    device_id: str
    kind: str
    threshold: float
    row: dict[str, Any]  # the registry record: name, place, district, department
    gauges: tuple[tuple[str, float], ...]  # (rain gauge, weight), weights summing to 1


@dataclass(frozen=True)
class ForecastSettings:
    horizons_min: tuple[int, ...]
    step_s: float
    kinds: dict[str, PointKind]
    history_days: float
    fit_every_s: float
    min_samples: int
    ridge: float
    withdraw_below: float
    hazards: frozenset[str]
    colours: dict[str, int]
    nearest: int
    within_m: float
    point_min_samples: int = 60  # a point's own wet samples per horizon from which it gets its own coefficients
    point_prior_samples: float = 1000.0  # the weight of its kind's fit in a point's own, in samples


def load_settings(path: Path | None = None) -> ForecastSettings:
    doc = yaml.safe_load((path or FORECAST_FILE).read_text(encoding="utf-8"))
    kinds = {name: PointKind(name, spec["device_kind"], spec["type"], spec["value"], spec.get("unit", ""),
                             spec.get("threshold"), spec.get("threshold_meta"), spec.get("name", name))
             for name, spec in doc["points"].items()}
    fit, warnings, gauges = doc.get("fit") or {}, doc.get("rain_warnings") or {}, doc.get("gauges") or {}
    return ForecastSettings(tuple(int(h) for h in doc["horizons_min"]), float(doc.get("step_min", 5)) * 60, kinds,
                            float(fit.get("history_days", 14)), float(fit.get("every_h", 6)) * 3600,
                            int(fit.get("min_samples", 100)), float(fit.get("ridge", 1.0)),
                            float(doc.get("withdraw_below", 0.95)), frozenset(warnings.get("hazards") or ()),
                            dict(warnings.get("colours") or {}), int(gauges.get("nearest", 3)),
                            float(gauges.get("within_m", 10000)), int(fit.get("point_min_samples", 60)),
                            float(fit.get("point_prior_samples", 1000.0)))


def distance_m(a: dict[str, Any], b: dict[str, Any]) -> float:
    return 1000 * math.hypot((a["lon"] - b["lon"]) * KM_PER_DEG[0], (a["lat"] - b["lat"]) * KM_PER_DEG[1])


def forecast_points(registry: DeviceRegistry, settings: ForecastSettings) -> dict[str, Point]:
    """Every registered device of a point kind that has a threshold; its nearest rain gauges by inverse distance."""
    rows = list(registry.devices.values())
    gauges = [r for r in rows if r.get("kind") == "rain-gauge"]
    points = {}
    for kind in settings.kinds.values():
        for row in rows:
            if row.get("kind") != kind.device_kind:
                continue
            threshold = (row.get("meta") or {}).get(kind.threshold_meta) if kind.threshold_meta else kind.threshold
            if threshold is None:
                continue
            near = sorted((distance_m(row, g), g["device_id"]) for g in gauges)[: settings.nearest]
            near = [(d, g) for d, g in near if d <= settings.within_m]
            weights = [1 / max(d, 200.0) for d, _ in near]
            total = sum(weights) or 1.0
            points[row["device_id"]] = Point(row["device_id"], kind.name, float(threshold), row,
                                             tuple((g, w / total) for (_, g), w in zip(near, weights, strict=True)))
    return points
