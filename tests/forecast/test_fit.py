"""The forecast model fitted from a store's history (three simulated days of Pengjiang's gauges, storms
included, stored through the real pipeline), then checked on the held-back third day against persistence."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from hub.forecast import Forecaster, load_settings
from hub.forecast.model import FEATURES, samples
from hub.registry import load_registry
from hub.store import open_store
from tests.forecast.support import store_history

DAY = 86400.0


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """Three days of history ending an hour ago, in a SQLite store; (its file, the start)."""
    start = datetime.fromtimestamp((time.time() - 3 * DAY - 3600) // 60 * 60, UTC)
    path = tmp_path_factory.mktemp("forecast") / "hub.sqlite"
    store = open_store(f"sqlite:///{path}")
    store_history(store, 11, start, 3, frozenset({"440703"}))
    store.close()
    return path, start.timestamp()


def test_fitted_on_two_days_it_beats_persistence_on_the_third(stored: tuple[Path, float]) -> None:
    path, start = stored
    store = open_store(f"sqlite:///{path}")
    settings = load_settings()
    forecaster = Forecaster(load_registry(), settings)
    split = start + 2 * DAY
    fitted = forecaster.refit(store, split)  # the last history_days before the split: the first two days
    assert set(fitted) == {"waterlogging", "river"}
    for model in fitted.values():
        assert model.samples >= settings.min_samples
        assert all(len(beta) == len(FEATURES) for beta in model.coefficients.values())
    held_back = forecaster.load(store, split - 4 * 3600, start + 3 * DAY)
    for kind, model in fitted.items():
        points = [p for p in forecaster.points.values() if p.kind == kind]
        for horizon in settings.horizons_min:
            xs, ys = samples(points, held_back, horizon * 60, settings.step_s, split, start + 3 * DAY)
            assert len(ys) > 100
            predicted = [model.predict(x, 0.0 if kind == "waterlogging" else None)[horizon] - x[1] for x in xs]
            error = float(np.sqrt(np.mean((np.array(predicted) - np.array(ys)) ** 2)))
            persistence = float(np.sqrt(np.mean(np.array(ys) ** 2)))
            assert error < persistence, f"{kind} +{horizon} min: {error:.3f} not below persistence {persistence:.3f}"
    store.close()

