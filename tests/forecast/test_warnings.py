"""A forecast warning (预警) is issued to the point's owner department when the forecast reaches the threshold,
before the measured crossing, and withdrawn when the forecast falls back; a model is given, not fitted, so the
test says exactly what the forecast is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from adapters.base import cloudevent
from hub.events import Event, HubBlock, Message
from hub.forecast import Forecaster, load_settings
from hub.forecast.model import FEATURES, Fitted
from hub.forecast.service import crossing
from hub.health.alarms import Alarms
from hub.incidents import open_incidents
from hub.registry import load_registry

T0 = 1_779_999_960.0  # on a minute, in 2026: within the holiday calendar the case clocks read
POINT = "582303001"  # 内涝监测点1号, 蓬江区


def trend_model() -> Fitted:
    """Δ(h) = (h / 30) × the change of the last 30 min: the trend carried on."""
    return Fitted("waterlogging", {h: [h / 30 if name == "value_change_30m" else 0.0 for name in FEATURES]
                                   for h in (30, 60, 120)}, 1000, {30: 0.0, 60: 0.0, 120: 0.0})


def depth(cm: float, minute: int) -> Event:
    at = T0 + minute * 60
    ce = cloudevent(f"/jiangmen/water/waterlogging/{POINT}", "city.water.waterlogging", f"{POINT}-{minute}",
                    datetime.fromtimestamp(at, UTC), {"sensor_id": POINT, "depth_cm": cm, "level": "shallow"})
    return Event(ce, Message(orjson.dumps(ce), "city/water/waterlogging", "mqtt", received_at=at), HubBlock("u", at),
                 epoch=at)


def test_crossing_time_on_the_forecast_path() -> None:
    assert crossing(0, 5, {30: 10, 60: 20, 120: 30}, 15) == 2700  # halfway between +30 and +60
    assert crossing(0, 16, {30: 10}, 15) == 0 and crossing(0, 1, {30: 2, 60: 3}, 15) is None


def test_a_warning_goes_out_ahead_and_is_withdrawn_when_the_forecast_falls_back(tmp_path: Path) -> None:
    clock = [T0]
    incidents = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=lambda: clock[0])
    forecaster = Forecaster(load_registry(), load_settings(), Alarms(incidents, lambda: clock[0]))
    forecaster.models["waterlogging"] = trend_model()
    rising = [(0, 1.0), (5, 1.5), (10, 2.0), (15, 3.0), (20, 4.0), (25, 5.0), (30, 7.0)]
    for minute, cm in rising:
        forecaster.sink([depth(cm, minute)], [])
    (item,) = [i for i in forecaster.view("waterlogging") if i["point_id"] == POINT]
    assert item["warning"] and item["value"] == 7.0  # +120 min: 7 + 4 × 6 = 31 cm ≥ 15
    assert item["predicted"] == {"+30min": 13.0, "+60min": 19.0, "+120min": 31.0}
    assert item["expected_crossing_at"] is not None and item["warning_incident"] is not None
    (warning,) = incidents.store.open_incidents(0, {"forecast-warning"})
    assert warning.department == "蓬江区城市管理和综合执法局" and POINT in warning.title
    assert warning.opened_at == T0 + 30 * 60  # the event time of the first forecast to reach 15 cm
    forecaster.sink([depth(cm, minute) for minute, cm in [(35, 7.0), (40, 6.0)]], [])
    assert incidents.store.open_incidents(0, {"forecast-warning"}) != []  # the same warning, not a second
    forecaster.sink([depth(cm, minute) for minute, cm in [(45, 5.0), (50, 4.0), (55, 3.5), (60, 3.0)]], [])
    assert incidents.store.open_incidents(0, {"forecast-warning"}) == []
    closed = incidents.store.get(warning.id or 0)
    assert closed is not None and closed.state == "closed"
    assert "预警解除" in incidents.store.steps(warning.id or 0)[-1]["note"]
    assert not next(i for i in forecaster.view("waterlogging") if i["point_id"] == POINT)["warning"]
    incidents.close()


def test_a_late_reading_does_not_replace_a_newer_forecast() -> None:
    forecaster = Forecaster(load_registry(), load_settings())
    forecaster.models["waterlogging"] = trend_model()
    forecaster.sink([depth(2.0, 0), depth(4.0, 30)], [])
    forecaster.sink([depth(9.0, 20)], [])
    assert forecaster.current[POINT].at == T0 + 30 * 60
