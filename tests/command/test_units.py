"""The unit board and the units' JT/T 808 reports: what moves a unit's status and what does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.vehicle_jt808 import ADAPTER
from hub.command.resources import city_registry
from hub.command.units import UnitBoard, UnitBusy
from simulators.command_units import Crew, frame


def board() -> UnitBoard:
    return UnitBoard(city_registry(), silent_after_s=120, now=1000.0)


def first_engine() -> str:
    return next(u.id for u in city_registry().units.values() if u.capability == "engine")


def test_a_dispatched_unit_is_not_released_by_a_report_sent_before_the_order() -> None:
    b, unit = board(), first_engine()
    b.commit(unit, 7, None)
    b.report(unit, 113.0, 22.5, 1001.0, "available")
    assert b.get(unit).status == "dispatched"
    b.report(unit, 113.0, 22.5, 1002.0, "en-route", 8)  # another incident's task: not this order
    assert b.get(unit).status == "dispatched"
    b.report(unit, 113.001, 22.5, 1003.0, "en-route", 7)
    assert b.get(unit).status == "en-route" and b.get(unit).lon == 113.001
    with pytest.raises(UnitBusy, match="incident 7"):
        b.commit(unit, 9, None)


def test_older_reports_are_ignored_and_a_silent_unit_is_flagged() -> None:
    b, unit = board(), first_engine()
    b.report(unit, 113.0, 22.5, 1010.0)
    b.report(unit, 113.5, 22.9, 1005.0)
    assert b.get(unit).lon == 113.0
    assert b.get(unit).view(1100.0, 120)["silent"] is False
    assert b.get(unit).view(1200.0, 120)["silent"] is True


def test_unit_frame_carries_task_and_incident_through_the_adapter() -> None:
    unit = city_registry().units[first_engine()]
    crew = Crew(unit, (113.08, 22.59), task="en-route", incident_id=4242)
    raw = frame(crew, (113.081, 22.591, 42.0, 90.0), datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    (event,) = ADAPTER.adapt(raw)
    data = event["data"]
    assert data["vehicle_id"] == unit.terminal and data["task"] == "en-route" and data["incident_id"] == 4242
    assert data["location"]["lon"] == pytest.approx(113.081) and data["speed_kmh"] == pytest.approx(42.0)


def test_a_recalled_unit_is_free_at_once_and_its_old_task_cannot_commit_it_again() -> None:
    b, unit = board(), first_engine()
    b.commit(unit, 7, None)
    assert b.recall(unit, 1000.5).status == "available" and unit in {s.unit_id for s in b.available("engine")}
    b.commit(unit, 8, None)
    b.report(unit, 113.0, 22.5, 1001.0, "en-route", 8)
    assert b.recall(unit, 1001.5).status == "returning" and b.get(unit).recalled_from == 8
    b.report(unit, 113.0, 22.5, 1001.2, "returning")  # stamped before the recall: it shows nothing
    assert b.get(unit).recalled_from == 8
    b.report(unit, 113.001, 22.5, 1002.0, "en-route", 8)  # the terminal has not read the recall yet
    assert b.get(unit).status == "returning" and b.get(unit).lon == 113.001 and b.get(unit).recalled_from == 8
    b.report(unit, 113.002, 22.5, 1003.0, "returning")
    assert b.get(unit).recalled_from is None and b.get(unit).status == "returning"
    b.report(unit, 113.003, 22.5, 1004.0, "available")
    assert b.get(unit).status == "available" and b.get(unit).origin is None


def test_the_simulated_crew_turns_home_on_a_recall_and_a_returning_crew_takes_a_new_order() -> None:
    from hub.command.roads import city_roads
    from simulators.command_units import Units

    registry, unit = city_registry(), first_engine()
    units = Units(registry, city_roads(), work_s=60, idle_every=60)
    crew = next(c for c in units.crews.values() if c.unit.id == unit)
    order = {"id": 5, "incident_id": 7, "terminal": crew.unit.terminal, "lon": 113.085, "lat": 22.59}
    units.orders([order | {"status": "dispatched"}], 0.0)
    assert crew.task == "en-route" and crew.incident_id == 7
    units.orders([order | {"status": "recalling"}], 30.0)
    assert crew.task == "returning" and crew.incident_id is None and crew.path[-1][:2] == crew.home
    units.orders([order | {"id": 6, "incident_id": 8, "status": "dispatched"}], 40.0)
    assert crew.task == "en-route" and crew.incident_id == 8
    units.orders([order | {"status": "recalling"}], 50.0)  # the old recall again: not this task
    assert crew.task == "en-route" and crew.incident_id == 8
