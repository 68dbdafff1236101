"""How --check judges what a hub answers: places, departments, data filters, paging, and incident
expectations skipped (not failed) while the hub has no /api/incidents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from simulators.replay import Checker
from simulators.scenario import load

START = datetime(2021, 7, 1, 0, 0, tzinfo=UTC)
SCENARIO = Path(__file__).resolve().parents[2] / "simulators" / "scenarios" / "warehouse-fire-jianghai.yaml"


def feature(lon: float, lat: float, state: str, department: str) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"data": {"state": state}, "hub": {
        "lon": lon, "lat": lat, "district_code": "440704", "department": department}}}


def hub(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/incidents":
        return httpx.Response(404, json={"detail": "Not Found"})
    place = load(SCENARIO).places["warehouse"]
    near, far = (place.lon, place.lat), (place.lon + 0.05, place.lat)
    if "before" not in request.url.params:
        page = [feature(*near, "fire", "江门市消防救援支队")] * 6 + [feature(*far, "fire", "江门市消防救援支队")] * 9
        return httpx.Response(200, json={"features": page, "links": [
            {"rel": "next", "href": str(request.url.copy_add_param("before", "1"))}]})
    page = [feature(*near, "fire", "江门市消防救援支队")] * 3 + [feature(*near, "cleared", "江门市消防救援支队")] * 5
    return httpx.Response(200, json={"features": page, "links": []})


def test_events_are_counted_at_the_place_with_department_and_data_across_pages() -> None:
    scenario = load(SCENARIO)
    checker = Checker("http://hub", START, transport=httpx.MockTransport(hub))
    alarms = next(e for e in scenario.expect["events"] if e["type"] == "city.fire.alarm")
    outcome = checker.events(alarms)
    assert (outcome.found, outcome.wanted, outcome.met) == (9, 10, False)
    assert outcome.line().startswith("UNMET") and "江门市消防救援支队" in outcome.line()


def test_incident_expectations_are_skipped_while_the_route_is_missing() -> None:
    scenario = load(SCENARIO)
    outcomes = Checker("http://hub", START, transport=httpx.MockTransport(hub)).check(scenario)
    skipped = [o for o in outcomes if o.skipped and o.what.startswith("incident")]
    assert len(skipped) == len(scenario.expect["incidents"]) and all(o.met for o in skipped)
    assert all(o.line().startswith("skip") and "404" in o.line() for o in skipped)
