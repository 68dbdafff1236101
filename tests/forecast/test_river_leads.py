"""The river scenario's forecast-warning expectations, checked at simulation level: river models fitted on
generated days of the 潭江 gauges' history (rain, river gauges and warning signals of 新会 and 开平), then the
scenario `typhoon-river-tanjiang` fed to a forecaster in event time; every `forecast_warnings` expectation
holds (crossings of the 警戒水位 warned at least `lead_min` ahead)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.forecast_leads import events_of, replayed, spans
from hub.forecast import Forecaster, load_settings
from hub.forecast.model import fit
from hub.registry import load_registry
from simulators import scenario
from simulators.forecast_check import figures
from simulators.history import history
from simulators.replay import inside

TANJIANG = Path(scenario.__file__).parent / "scenarios" / "typhoon-river-tanjiang.yaml"
START = datetime(2026, 6, 1, tzinfo=UTC)
DAYS = 2


def test_the_rivers_rise_past_their_warning_levels_and_the_forecast_warns_ahead() -> None:
    storm = scenario.load(TANJIANG)
    settings = load_settings()
    forecaster = Forecaster(load_registry(), settings)
    past = forecaster.new_history()
    begin = START.timestamp() - DAYS * 86400
    for event in events_of(history(5, datetime.fromtimestamp(begin, UTC), DAYS, frozenset({"440705", "440783"}),
                                   kinds=("rain-gauge", "river-gauge", "weather-area")), begin):
        past.add(event.ce["type"], event.device_id, event.seconds, event.ce["data"])
    rivers = [p for p in forecaster.points.values() if p.kind == "river"]
    model = fit("river", rivers, past, settings.horizons_min, settings.step_s, begin, START.timestamp(),
                settings.ridge, settings.point_min_samples, settings.point_prior_samples)
    assert model is not None and model.points  # the gauges of the two districts have their own coefficients

    warned, readings = replayed(storm, {"river": model}, 1, START)
    expectations = storm.expect["forecast_warnings"]
    assert {e["kind"] for e in expectations} == {"river"}
    for exp in expectations:
        place = exp["place"]
        points = {p: r for p, r in readings["river"].items()
                  if inside(place, warned.points[p].row["lon"], warned.points[p].row["lat"],
                            warned.points[p].row["district_code"])}
        found = figures(points, {p: warned.points[p].threshold for p in points}, spans(warned, points),
                        max(settings.horizons_min) * 60, exp["lead_min"] * 60)
        assert found.warned_ahead >= exp["min"], (place.name, found)
