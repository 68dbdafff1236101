"""Recommendation: ranking by road travel time, committed units never offered, depots with stock; dispatch steps."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.command.desk import CommandDesk, NoPlace
from hub.command.units import UnitBusy
from hub.incidents import UnknownIncident
from tests.command.conftest import BAISHA, TAICHENG, open_incident


def test_units_ranked_by_road_travel_time_from_where_they_are(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    iid = open_incident(d.incidents, "fire", BAISHA)
    rec = d.recommendations(iid)
    assert rec["plan"]["group"] == "fire" and rec["plan"]["line"]
    caps = {c["capability"]: c for c in rec["capabilities"]}
    assert caps["engine"]["needed"] == 2 and caps["ladder"]["needed"] == 1
    engines = caps["engine"]["units"]
    assert [u["rank"] for u in engines] == list(range(1, len(engines) + 1))
    assert [u["recommended"] for u in engines[:3]] == [True, True, False]
    etas = [u["eta_s"] for u in engines]
    assert etas == sorted(etas)
    # each ETA is the road route's own time, not a straight line, and every unit not offered is slower
    for u in engines:
        route = d.roads.route((u["lon"], u["lat"]), BAISHA)
        assert route is not None and u["eta_s"] == pytest.approx(route.seconds, abs=1.0)
        assert u["route"]["geometry"]["type"] == "LineString" and u["why"]
    offered = {u["unit"] for u in engines}
    for state in d.board.available("engine"):
        if state.unit_id not in offered:
            route = d.roads.route((state.lon, state.lat), BAISHA)
            assert route is None or route.seconds >= etas[-1] - 1.0
    # a unit in 白沙 comes first for a fire in 白沙, not one from 台山
    assert d.registry.sites[engines[0]["home"]].district_code == "440703"


def test_committed_units_are_not_offered_and_cannot_be_sent_twice(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    first, second = open_incident(d.incidents, "fire", BAISHA), open_incident(d.incidents, "fire", BAISHA)
    best = d.recommendations(first)["capabilities"][0]["units"][0]
    sent = d.dispatch(first, best["unit"], "operator")
    assert sent["status"] == "dispatched" and sent["eta_s"] == pytest.approx(best["eta_s"], abs=1.0)
    again = d.recommendations(second)["capabilities"][0]["units"]
    assert best["unit"] not in {u["unit"] for u in again}
    with pytest.raises(UnitBusy, match=f"incident {first}"):
        d.dispatch(second, best["unit"], "operator")
    steps = d.incidents.store.steps(first)
    assert steps[-1]["action"] == "dispatch" and best["call_sign"] in steps[-1]["note"]
    assert [c["unit_id"] for c in d.recommendations(first)["committed"]] == [best["unit"]]
    # a restarted hub reads the open dispatch back and still does not offer the unit
    restarted = desk()
    assert restarted.board.get(best["unit"]).status == "dispatched"
    assert best["unit"] not in {u["unit"] for u in restarted.recommendations(second)["capabilities"][0]["units"]}


def test_short_of_units_says_so(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    iid = open_incident(d.incidents, "hazmat", TAICHENG)
    hazmat = next(c for c in d.recommendations(iid)["capabilities"] if c["capability"] == "hazmat")
    for u in hazmat["units"]:
        d.dispatch(iid, u["unit"], "operator")
    after = next(c for c in d.recommendations(iid)["capabilities"] if c["capability"] == "hazmat")
    assert after["units"] == [] and after["short"] == 1


def test_supply_depots_ranked_by_travel_time_with_stock(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    iid = open_incident(d.incidents, "flood", BAISHA, severity=3)
    rec = d.recommendations(iid)
    supplies = rec["supplies"]
    assert len(supplies) == sum(1 for s in d.registry.sites.values() if s.kind == "supply-depot")
    assert [s["eta_s"] for s in supplies] == sorted(s["eta_s"] for s in supplies)
    assert all(set(s["stock"]) == {"sandbags", "pumps", "generators", "life_jackets"} for s in supplies)
    assert {c["capability"] for c in rec["capabilities"]} == {"pump", "rescue-team", "traffic-police"}
    assert set(rec["nearby"]) == {"supply-depot", "shelter"}


def test_unknown_incident_and_group_without_plan(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    with pytest.raises(UnknownIncident):
        d.recommendations(999_999)
    iid = open_incident(d.incidents, "street-order", BAISHA)
    rec = d.recommendations(iid)
    assert rec["plan"] is None and rec["capabilities"] == [] and rec["supplies"]
    nowhere = open_incident(d.incidents, "fire", (0.0, 0.0))
    d.incidents.store.db.execute("UPDATE incidents SET lon = NULL, lat = NULL WHERE id = ?", (nowhere,))
    with pytest.raises(NoPlace):
        d.recommendations(nowhere)
