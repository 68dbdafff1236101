"""The forecast model: for each point kind and horizon h, the change of the point's value from now to now + h
is a linear function, fitted by ridge least squares on the store's history, of

    1, the value now, its change over the last 30 min, the rain of the last 30 min and of the past hour at
    the gauges around the point (weighted by inverse distance), the rain of the past 3 hours, and the rank
    of the rain warning in force (0 none … 4 red).

The fit and the forecast use only "wet" moments (rain at the gauges in the past 3 hours, or water at the
point): in dry weather the value stays as it is, and the many dry samples would otherwise teach the model
that water always recedes. Nothing of the simulator's formulas is in here: the coefficients come from `fit`,
and docs/FORECAST.md reports them with the error on held-back history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hub.forecast.history import History
from hub.forecast.points import Point

FEATURES = ("constant", "value", "value_change_30m", "rain_30m", "rain_1h", "rain_3h", "warning")
HALF_HOUR, HOUR = 1800.0, 3600.0
WET_RAIN_MM = 0.5  # rain of the past 3 hours (mm) from which a moment is wet


def wet(x: list[float]) -> bool:
    return x[5] >= WET_RAIN_MM or x[2] != 0.0 or (x[1] > 0.0 and x[6] > 0)


def rain_at(point: Point, history: History, t: float) -> float:
    total = weight = 0.0
    for gauge, w in point.gauges:
        series = history.rain.get(gauge)
        value = series.as_of(t) if series else None
        if value is not None:
            total, weight = total + w * value, weight + w
    return total / weight if weight else 0.0


def rain_30m_at(point: Point, history: History, t: float) -> float:
    """Rain of the last 30 min: the sum of the gauges' rain-since-last-report increments."""
    total = weight = 0.0
    for gauge, w in point.gauges:
        series = history.rain_since_last.get(gauge)
        if series is not None and series.as_of(t) is not None:
            total, weight = total + w * series.total(t - HALF_HOUR, t), weight + w
    return total / weight if weight else 0.0


def features(point: Point, history: History, t: float) -> list[float] | None:
    """The model's inputs for `point` at time t; None when the point has no recent value."""
    series = history.values.get(point.device_id)
    now = series.as_of(t) if series else None
    if series is None or now is None:
        return None
    before = series.as_of(t - HALF_HOUR)
    rain = rain_at(point, history, t)
    rain_3h = rain + rain_at(point, history, t - HOUR) + rain_at(point, history, t - 2 * HOUR)
    warning = float(history.warning_rank(str(point.row.get("district_code") or ""), t))
    return [1.0, now, now - (now if before is None else before), rain_30m_at(point, history, t), rain, rain_3h,
            warning]


@dataclass(frozen=True)
class Fitted:
    """One kind's coefficients per horizon (minutes), with the samples and training error behind them."""

    kind: str
    coefficients: dict[int, list[float]]
    samples: int
    rmse: dict[int, float]

    def predict(self, x: list[float], floor: float | None = 0.0) -> dict[int, float]:
        if not wet(x):
            return dict.fromkeys(self.coefficients, x[1])
        out = {}
        for horizon, beta in self.coefficients.items():
            value = x[1] + sum(b * v for b, v in zip(beta, x, strict=True))
            out[horizon] = max(value, floor) if floor is not None else value
        return out


def samples(points: list[Point], history: History, horizon_s: float, step_s: float, since: float,
            until: float) -> tuple[list[list[float]], list[float]]:
    """(inputs, change of value after horizon_s) at every grid time where both are known."""
    xs, ys = [], []
    for point in points:
        series = history.values.get(point.device_id)
        if series is None or not series.times:
            continue
        t = max(since, series.times[0])
        while t + horizon_s <= min(until, series.times[-1]):
            x = features(point, history, t)
            later = series.as_of(t + horizon_s, step_s)
            if x is not None and later is not None and wet(x):
                xs.append(x)
                ys.append(later - x[1])
            t += step_s
    return xs, ys


def fit(kind: str, points: list[Point], history: History, horizons_min: tuple[int, ...], step_s: float,
        since: float, until: float, ridge: float = 1.0) -> Fitted | None:
    """Ridge least squares per horizon on the grid of [since, until); None without enough history."""
    coefficients, rmse, count = {}, {}, 0
    for horizon in horizons_min:
        xs, ys = samples(points, history, horizon * 60, step_s, since, until)
        if len(xs) < len(FEATURES) * 3:
            return None
        x, y = np.array(xs), np.array(ys)
        penalty = ridge * np.eye(len(FEATURES))
        penalty[0, 0] = 0.0  # the constant is not shrunk
        beta = np.linalg.solve(x.T @ x + penalty, x.T @ y)
        coefficients[horizon] = [float(b) for b in beta]
        rmse[horizon] = float(np.sqrt(np.mean((x @ beta - y) ** 2)))
        count = max(count, len(xs))
    return Fitted(kind, coefficients, count, rmse)
