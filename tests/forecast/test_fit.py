"""The forecast model fitted from a store's history (three simulated days of Pengjiang's gauges, storms
included, stored through the real pipeline), then checked on the held-back third day: the pooled fit per kind
and each point's own coefficients against persistence and against each other, and the fallback to the pooled
coefficients for a point whose history is too short."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from hub.forecast import Forecaster, load_settings
from hub.forecast.history import History
from hub.forecast.model import FEATURES, Fitted, fit, point_samples
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


def rmse(errors: list[float]) -> float:
    return float(np.sqrt(np.mean(np.array(errors) ** 2)))


def read_back(path: Path, since: float, until: float, refit_at: float | None = None) -> tuple[
        Forecaster, dict[str, Fitted], History]:
    """A forecaster on the stored history: its models refitted at `refit_at` (none without), and the history of
    [since, until) read back from the store."""
    store = open_store(f"sqlite:///{path}")
    forecaster = Forecaster(load_registry(), load_settings())
    fitted = forecaster.refit(store, refit_at) if refit_at is not None else {}
    history = forecaster.load(store, since, until)
    store.close()
    return forecaster, fitted, history


def test_fitted_on_two_days_each_point_and_each_kind_beat_persistence_on_the_third(
        stored: tuple[Path, float]) -> None:
    path, start = stored
    settings = load_settings()
    split, end = start + 2 * DAY, start + 3 * DAY
    # fitted on the last history_days before the split: the first two days
    forecaster, fitted, held_back = read_back(path, split - 4 * 3600, end, refit_at=split)
    assert set(fitted) == {"waterlogging", "river"}
    for kind, model in fitted.items():
        assert model.samples >= settings.min_samples
        assert all(len(beta) == len(FEATURES) for beta in model.coefficients.values())
        points = [p for p in forecaster.points.values() if p.kind == kind]
        assert set(model.points) == {p.device_id for p in points if p.device_id in held_back.values}
        assert all(model.points[d][h] != model.coefficients[h] for d in model.points for h in model.coefficients)
        floor, pooled = (0.0 if kind == "waterlogging" else None), model.pooled()
        for horizon in settings.horizons_min:
            own_errors, pooled_errors, changes = [], [], []
            for point in points:
                for x, y in zip(*point_samples(point, held_back, horizon * 60, settings.step_s, split, end),
                                strict=True):
                    own_errors.append(model.predict(x, floor, point.device_id)[horizon] - x[1] - y)
                    pooled_errors.append(pooled.predict(x, floor)[horizon] - x[1] - y)
                    changes.append(y)
            assert len(changes) > 100
            own, pooled_, persistence = rmse(own_errors), rmse(pooled_errors), rmse(changes)
            label = f"{kind} +{horizon} min: own {own:.3f}, pooled {pooled_:.3f}, persistence {persistence:.3f}"
            assert pooled_ < persistence and own < persistence, label
            assert own <= 1.02 * pooled_, label  # a point's own coefficients are no worse than its kind's


def test_a_point_with_too_short_a_history_is_forecast_with_its_kinds_pooled_coefficients(
        stored: tuple[Path, float]) -> None:
    path, start = stored
    settings = load_settings()
    forecaster, _, history = read_back(path, start, start + 2 * DAY)
    rivers = [p for p in forecaster.points.values() if p.kind == "river" and p.device_id in history.values]
    short, kept = rivers[0].device_id, rivers[1].device_id
    history.values[short].trim(start + 2 * DAY - 3 * 3600)  # three hours: fewer than point_min_samples
    model = fit("river", rivers, history, settings.horizons_min, settings.step_s, start, start + 2 * DAY,
                settings.ridge, settings.point_min_samples, settings.point_prior_samples)
    assert model is not None
    assert short not in model.points and kept in model.points
    x = [1.0, 3.0, 0.2, 4.0, 6.0, 15.0, 3.0]  # a wet moment
    assert model.predict(x, None, short) == model.pooled().predict(x, None)
    assert model.predict(x, None, kept) != model.pooled().predict(x, None)
    history.warnings.clear()  # a store without warning signals: that feature never varies, the fit still holds
    unwarned = fit("river", rivers, history, settings.horizons_min, settings.step_s, start, start + 2 * DAY,
                   settings.ridge, settings.point_min_samples, settings.point_prior_samples)
    assert unwarned is not None and kept in unwarned.points
