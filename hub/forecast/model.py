"""The forecast model: for each point and horizon h, the change of the point's value from now to now + h is a
linear function, fitted by ridge least squares on the store's history, of

    1, the value now, its change over the last 30 min, the rain of the last 30 min and of the past hour at
    the gauges around the point (weighted by inverse distance), the rain of the past 3 hours, and the rank
    of the rain warning in force (0 none … 4 red).

The fit and the forecast use only "wet" moments (rain at the gauges in the past 3 hours, or water at the
point): in dry weather the value stays as it is, and the many dry samples would otherwise teach the model
that water always recedes.

Each kind is fitted on all its points' samples together (the pooled fit); then each point with at least
`point_min_samples` wet samples at every horizon gets its own coefficients from its own samples, with the
pooled fit as a prior worth `point_prior_samples` samples; a point with a shorter history is forecast with the
pooled coefficients. Nothing of the simulator's formulas is in here: the coefficients come from `fit`,
and docs/FORECAST.md reports them with the error on held-back history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """One kind's pooled coefficients per horizon (minutes), with the samples and training error behind them,
    and the coefficients of each point that has enough history of its own."""

    kind: str
    coefficients: dict[int, list[float]]
    samples: int
    rmse: dict[int, float]
    points: dict[str, dict[int, list[float]]] = field(default_factory=dict)  # device → horizon → coefficients

    def predict(self, x: list[float], floor: float | None = 0.0, device_id: str | None = None) -> dict[int, float]:
        if not wet(x):
            return dict.fromkeys(self.coefficients, x[1])
        own = self.points.get(device_id, {}) if device_id is not None else {}
        out = {}
        for horizon, pooled in self.coefficients.items():
            beta = own.get(horizon, pooled)
            value = x[1] + sum(b * v for b, v in zip(beta, x, strict=True))
            out[horizon] = max(value, floor) if floor is not None else value
        return out

    def pooled(self) -> Fitted:
        """The same fit without the points' own coefficients."""
        return Fitted(self.kind, self.coefficients, self.samples, self.rmse)


Samples = tuple[list[list[float]], list[float]]


def point_samples(point: Point, history: History, horizon_s: float, step_s: float, since: float,
                  until: float) -> Samples:
    """(inputs, change of value after horizon_s) at every wet grid time where both are known."""
    xs: list[list[float]] = []
    ys: list[float] = []
    series = history.values.get(point.device_id)
    if series is None or not series.times:
        return xs, ys
    t = max(since, series.times[0])
    while t + horizon_s <= min(until, series.times[-1]):
        x = features(point, history, t)
        later = series.as_of(t + horizon_s, step_s)
        if x is not None and later is not None and wet(x):
            xs.append(x)
            ys.append(later - x[1])
        t += step_s
    return xs, ys


def samples(points: list[Point], history: History, horizon_s: float, step_s: float, since: float,
            until: float) -> Samples:
    """Every point's samples together."""
    xs, ys = [], []
    for point in points:
        more_x, more_y = point_samples(point, history, horizon_s, step_s, since, until)
        xs += more_x
        ys += more_y
    return xs, ys


def ridge_penalty(ridge: float) -> np.ndarray:
    """λ·I with the constant not shrunk: it keeps the solve regular when a feature never varied (no warning
    signal in the history, say)."""
    penalty = ridge * np.eye(len(FEATURES))
    penalty[0, 0] = 0.0
    return penalty


def solve(xs: list[list[float]], ys: list[float], ridge: float) -> tuple[list[float], float]:
    """Ridge least squares; the coefficients and their training RMSE."""
    x, y = np.array(xs), np.array(ys)
    beta = np.linalg.solve(x.T @ x + ridge_penalty(ridge), x.T @ y)
    return [float(b) for b in beta], float(np.sqrt(np.mean((x @ beta - y) ** 2)))


def solve_own(xs: list[list[float]], ys: list[float], pooled: list[float], gram: np.ndarray,
              prior_samples: float, ridge: float) -> list[float]:
    """A point's own least squares with its kind's pooled fit as a prior worth `prior_samples` samples spread
    like the kind's (`gram`: the pooled inputs' XᵀX per sample): with few samples of its own a point stays near
    its kind's coefficients, with many it follows its own."""
    x, y = np.array(xs), np.array(ys)
    prior = prior_samples * gram
    beta = np.linalg.solve(x.T @ x + prior + ridge_penalty(ridge), x.T @ y + prior @ np.array(pooled))
    return [float(b) for b in beta]


def fit(kind: str, points: list[Point], history: History, horizons_min: tuple[int, ...], step_s: float,
        since: float, until: float, ridge: float = 1.0, point_min_samples: int | None = None,
        point_prior_samples: float = 0.0) -> Fitted | None:
    """The pooled fit per horizon on the grid of [since, until), and each point's own where it has at least
    `point_min_samples` samples at every horizon (None: no points' own); None without enough history."""
    coefficients, rmse, count = {}, {}, 0
    by_point: dict[str, dict[int, Samples]] = {}
    grams: dict[int, np.ndarray] = {}
    for horizon in horizons_min:
        xs, ys = [], []
        for point in points:
            own = by_point.setdefault(point.device_id, {})[horizon] = point_samples(
                point, history, horizon * 60, step_s, since, until)
            xs += own[0]
            ys += own[1]
        if len(xs) < len(FEATURES) * 3:
            return None
        coefficients[horizon], rmse[horizon] = solve(xs, ys, ridge)
        grams[horizon] = np.array(xs).T @ np.array(xs) / len(xs)
        count = max(count, len(xs))
    own_fits: dict[str, dict[int, list[float]]] = {}
    if point_min_samples is not None:
        for device, per_horizon in by_point.items():
            if all(len(ys) >= point_min_samples for _, ys in per_horizon.values()):
                own_fits[device] = {h: solve_own(xs, ys, coefficients[h], grams[h], point_prior_samples, ridge)
                                    for h, (xs, ys) in per_horizon.items()}
    return Fitted(kind, coefficients, count, rmse, own_fits)
