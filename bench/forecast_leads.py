"""The forecast's figures for docs/FORECAST.md: the model fitted on simulated days of gauge history (the same
`fit` the hub runs over its store), its error on a held-back day (each point's own coefficients, the pooled
ones per kind, persistence; over all samples and as a distribution over the points), and over many seeds of
the storm scenarios the share of crossings warned ahead, the median lead time and the false-warning share,
with each point's own coefficients and with the pooled ones. Seed n starts its storm (n − 1) × 47 min after
the first, so that the seeds meet the tide at different phases.

Run ``python -m bench.forecast_leads [--seeds N] [--days D]``; prints one JSON object. Not a test.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS
from bench.stats import python_pace
from hub.events import Event, HubBlock, Message, epoch
from hub.forecast import Forecaster, load_settings
from hub.forecast.history import History
from hub.forecast.model import FEATURES, Fitted, fit, point_samples
from hub.registry import load_registry
from simulators import scenario
from simulators.forecast_check import MEASURES, LeadFigures, Span, figures
from simulators.history import history

ROOT = Path(__file__).resolve().parents[1]
STORMS = ("typhoon-rainstorm-pengjiang", "rainstorm-rising-jianghai", "typhoon-river-tanjiang")
START = datetime(2026, 6, 1, tzinfo=UTC)
HISTORY_DISTRICTS = frozenset({"440703", "440704", "440705", "440783"})
SEED_STEP = timedelta(minutes=47)


def events_of(timed: list[tuple[float, str, bytes]], start: float) -> list[Event]:
    found = []
    for t, name, raw in timed:
        adapter = ADAPTERS.get(name) or ADAPTERS[scenario.SIMULATORS[name].adapter]
        try:
            ces = adapter.adapt(raw)
        except NativeRejected:
            continue
        for ce in ces:
            received = start + t
            message = Message(orjson.dumps(ce), adapter.topic, "mqtt", received_at=received)
            found.append(Event(ce, message, HubBlock("bench", received), epoch=epoch(ce["time"])))
    return found


def fitted_models(forecaster: Forecaster, days: float, seed: int) -> tuple[dict[str, Fitted], dict[str, Any]]:
    """Fit on all but the last day, report the held-back day's error, then refit on every day."""
    history_ = forecaster.new_history()
    start = START.timestamp()
    for event in events_of(history(seed, START, days, HISTORY_DISTRICTS), start):
        history_.add(event.ce["type"], event.device_id, event.seconds, event.ce["data"])
    split, end, settings = start + (days - 1) * 86400, start + days * 86400, forecaster.settings
    errors: dict[str, Any] = {}
    models: dict[str, Fitted] = {}
    for kind in settings.kinds:
        points = [p for p in forecaster.points.values() if p.kind == kind]
        model = fit(kind, points, history_, settings.horizons_min, settings.step_s, start, split, settings.ridge,
                    settings.point_min_samples, settings.point_prior_samples)
        assert model is not None
        errors[kind] = held_back(model, kind, points, history_, split, end, settings.step_s)
        whole = fit(kind, points, history_, settings.horizons_min, settings.step_s, start, end, settings.ridge,
                    settings.point_min_samples, settings.point_prior_samples)
        assert whole is not None
        models[kind] = whole
    return models, errors


def rmse(errors: list[float]) -> float:
    return float(np.sqrt(np.mean(np.array(errors) ** 2)))


def spread(values: list[float]) -> dict[str, float]:
    """The distribution over points: median and 90th percentile."""
    return {"median": round(float(np.median(values)), 3), "p90": round(float(np.percentile(values, 90)), 3)}


def held_back(model: Fitted, kind: str, points: list[Any], history_: History, split: float, end: float,
              step_s: float) -> dict[str, Any]:
    """RMSE of each point's own coefficients (the pooled ones where it has none), of the pooled ones and of
    persistence: over all samples, and per point (its RMSE over its samples; median and p90 over points)."""
    floor, pooled, out = (0.0 if kind == "waterlogging" else None), model.pooled(), {}
    for horizon in model.coefficients:
        every: dict[str, list[float]] = {"own": [], "pooled": [], "persistence": []}
        per_point: dict[str, list[float]] = {"own": [], "pooled": [], "persistence": []}
        better = 0
        for point in points:
            xs, ys = point_samples(point, history_, horizon * 60, step_s, split, end)
            if not ys:
                continue
            pairs = list(zip(xs, ys, strict=True))
            errors = {"own": [model.predict(x, floor, point.device_id)[horizon] - x[1] - y for x, y in pairs],
                      "pooled": [pooled.predict(x, floor)[horizon] - x[1] - y for x, y in pairs],
                      "persistence": [-y for y in ys]}
            for name, found in errors.items():
                every[name] += found
                per_point[name].append(rmse(found))
            better += per_point["own"][-1] < per_point["pooled"][-1]
        out[f"+{horizon}min"] = {"samples": len(every["own"]), "points": len(per_point["own"]),
                                 "points_own_better": better,
                                 **{f"{name}_rmse": round(rmse(found), 3) for name, found in every.items()},
                                 "mae": round(float(np.mean(np.abs(every["own"]))), 3),
                                 "per_point_rmse": {name: spread(found) for name, found in per_point.items()}}
    out["points_with_own_coefficients"] = len(model.points)
    return out


Readings = dict[str, dict[str, list[tuple[float, float]]]]  # kind → point → (event time, value)


def replayed(storm: scenario.Scenario, models: dict[str, Fitted], seed: int,
             start: datetime) -> tuple[Forecaster, Readings]:
    """A scenario's events fed in time order to a forecaster with the given models: the forecaster (its
    warnings' spans) and the points' measured readings."""
    forecaster = Forecaster(load_registry(), load_settings())
    forecaster.models.update(models)
    readings: Readings = {k: {} for k in MEASURES}
    for event in events_of(storm.messages(seed, start), start.timestamp()):
        forecaster.sink([event], [])
        point = forecaster.points.get(event.device_id)
        if point is not None and event.ce["type"] == MEASURES[point.kind][0]:
            value = event.ce["data"][MEASURES[point.kind][1]]
            readings[point.kind].setdefault(point.device_id, []).append((event.seconds, value))
    return forecaster, readings


def spans(forecaster: Forecaster, points: Iterable[str]) -> dict[str, list[Span]]:
    """The forecast warnings each point had: (issued, withdrawn or None)."""
    return {p: [(a, b) for a, b in (forecaster.current[p].spans if p in forecaster.current else []) if a is not None]
            for p in points}


def storm_figures(models: dict[str, Fitted], name: str, seeds: int) -> dict[str, Any]:
    storm = scenario.load(ROOT / "simulators" / "scenarios" / f"{name}.yaml")
    settings, total = load_settings(), {k: LeadFigures(0, 0, [], 0, 0) for k in MEASURES}
    for seed in range(1, seeds + 1):
        forecaster, readings = replayed(storm, models, seed, START + (seed - 1) * SEED_STEP)
        for kind, by_point in readings.items():
            one = figures(by_point, {p: forecaster.points[p].threshold for p in by_point}, spans(forecaster, by_point),
                          max(settings.horizons_min) * 60)
            add = total[kind]
            add.crossings += one.crossings
            add.warned_ahead += one.warned_ahead
            add.leads_min += one.leads_min
            add.warnings += one.warnings
            add.false_warnings += one.false_warnings
            add.unjudged += one.unjudged
    return {kind: figures_.summary() for kind, figures_ in total.items() if figures_.crossings or figures_.warnings}


def upkeep(models: dict[str, Fitted], count: int) -> dict[str, float]:
    """CPU µs per event of the forecaster's sink with fitted models (a forecast for every point reading and every
    point around a reporting rain gauge): on the mixed stream of every simulator (as bench.health_upkeep builds
    it) and on the storm scenarios' events (all water: the worst case), with each point's own coefficients and
    with the pooled ones; the least CPU time of three runs each."""
    from bench.health_upkeep import mixed_events
    from hub.geo import load_city
    from hub.pipeline.process import Pipeline
    from hub.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'hub.sqlite'}")
        pipeline = Pipeline(store, load_city(), load_registry())
        messages = mixed_events(count, 1)
        mixed = [pipeline.prepare(messages[i:i + 500]).events for i in range(0, len(messages), 500)]
        store.close()
    storms = [events_of(scenario.load(ROOT / "simulators" / "scenarios" / f"{name}.yaml").messages(1, START),
                        START.timestamp()) for name in STORMS]
    out = {"python_pace_s": python_pace()}
    for label, given in (("own", models), ("pooled", {k: m.pooled() for k, m in models.items()})):
        for stream, batches in (("mixed", mixed), ("storms", [e[i:i + 500] for e in storms
                                                              for i in range(0, len(e), 500)])):
            cpu = []
            for _ in range(3):  # the least of three: the machine is shared
                forecaster = Forecaster(load_registry(), load_settings())
                forecaster.models.update(given)
                begin = time.process_time()
                for batch in batches:
                    forecaster.sink(batch, [])
                cpu.append(time.process_time() - begin)
            out[f"{stream}, {label} coefficients"] = round(min(cpu) / sum(len(b) for b in batches) * 1e6, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--days", type=float, default=6)
    parser.add_argument("--history-seed", type=int, default=100)
    parser.add_argument("--upkeep-events", type=int, default=30_000)
    args = parser.parse_args()
    forecaster = Forecaster(load_registry(), load_settings())
    models, errors = fitted_models(forecaster, args.days, args.history_seed)
    report = {"features": list(FEATURES), "history_days": args.days, "held_back_day": errors,
              "coefficients": {k: {f"+{h}min": [round(c, 4) for c in beta] for h, beta in m.coefficients.items()}
                               for k, m in models.items()},
              "points_with_own_coefficients": {k: len(m.points) for k, m in models.items()},
              "upkeep_us_per_event": upkeep(models, args.upkeep_events),
              "storms": {name: storm_figures(models, name, args.seeds) for name in STORMS},
              "storms_pooled": {name: storm_figures({k: m.pooled() for k, m in models.items()}, name, args.seeds)
                                for name in STORMS}, "seeds": args.seeds}
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
