"""The incident engine on a real database (SQLite and PostgreSQL): correlation, restarts, several
workers, the fire timer, the case flow with its history, and overdue escalation on an injected clock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.incidents import IncidentService, InvalidTransition, UnknownIncident
from hub.incidents.db import open_db
from tests.incidents.conftest import Clock
from tests.incidents.factory import BAISHA, T0, offset, sighting, waterlogging

Engine = Callable[[], IncidentService]
MIN = 60.0



def fire(state: str, panel: str = "P-7", **kw):  # type: ignore[no-untyped-def]
    alarms = ["fire.alarm.active"] if state == "fire" else []
    return sighting("city.fire.alarm", {"panel_id": panel, "state": state}, alarms=alarms, severity=3,
                    source="/jiangmen/fire/uitd/P-7", **kw)


def test_an_alarm_and_related_events_make_one_incident_with_members_and_history(engine: Engine,
                                                                                published: list) -> None:  # type: ignore[type-arg]
    service = engine()
    complaint = sighting("city.hotline.workorder", {"description": "路口积水很深", "category": ["市政"]},
                         at=T0 + 5 * MIN, point=offset(BAISHA, 200))
    [incident] = service.absorb([waterlogging(), complaint])
    assert incident.id is not None and incident.member_count == 2 and incident.state == "reported"
    assert [m["type"] for m in service.store.members(incident.id)] == ["city.water.waterlogging",
                                                                       "city.hotline.workorder"]
    [step] = service.store.steps(incident.id)
    assert (step["action"], step["to_state"], step["who"]) == ("open", "reported", "system:correlation")
    kind, items = published[-1]
    assert kind == "incident" and items[0]["id"] == incident.id and items[0]["member_count"] == 2
    assert set(items[0]) >= {"id", "state", "title", "type", "district_code", "grid_code", "lon", "lat",
                             "department", "due_at", "overdue", "member_count"}


def test_unrelated_events_cost_nothing(engine: Engine) -> None:
    service = engine()
    assert service.absorb([sighting("city.parking.occupancy", {"lot_id": "L"}, severity=0)]) == []
    assert service.store.count() == 0


def test_correlation_survives_a_restart(engine: Engine) -> None:
    [first] = engine().absorb([waterlogging()])
    restarted = engine()
    [joined] = restarted.absorb([waterlogging(depth=8, at=T0 + 30 * MIN, point=offset(BAISHA, 300))])
    assert joined.id == first.id and joined.member_count == 2
    assert restarted.store.count() == 1


def test_two_workers_on_one_database_open_one_incident(engine: Engine) -> None:
    workers = [engine(), engine()]
    for round_ in range(5):
        start = threading.Barrier(2)
        at = T0 + round_ * 24 * 3600  # each round far from the others in time

        def work(worker: IncidentService, n: int, at: float = at, start: threading.Barrier = start) -> None:
            start.wait()
            worker.absorb([waterlogging(at=at + n, point=offset(BAISHA, 40 * n))])

        threads = [threading.Thread(target=work, args=(w, n)) for n, w in enumerate(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert workers[0].store.count() == round_ + 1
    pages, _ = workers[1].store.search(limit=10)
    assert [i.member_count for i in pages] == [2] * 5


def test_a_fire_alarm_not_cleared_in_time_raises_the_timer_rule(engine: Engine, clock: Clock) -> None:
    service = engine()
    clock.now = T0
    [incident] = service.absorb([fire("fire", at=T0)])
    assert incident.alarms == ["fire.alarm.active"] and incident.severity == 3
    assert service.tick(T0 + 4 * MIN) == []
    restarted = engine()  # the timer lives in the database
    [raised] = restarted.tick(T0 + 6 * MIN)
    assert raised.id == incident.id and raised.severity == 4
    assert raised.alarms == ["fire.alarm.active", "fire.alarm.not-cleared"]
    assert raised.member_count == 1  # the same event, now with the new alarm
    steps = restarted.store.steps(incident.id or 0)
    assert steps[-1]["action"] == "alarm" and "火警超时未复位" in steps[-1]["note"]
    assert restarted.tick(T0 + 30 * MIN) == []  # raised once


def test_a_fire_alarm_cleared_in_time_raises_nothing(engine: Engine) -> None:
    service = engine()
    service.absorb([fire("fire", at=T0)])
    service.absorb([fire("cleared", at=T0 + 2 * MIN)])
    assert service.tick(T0 + 10 * MIN) == []


def test_the_case_flow_records_who_when_why_and_refuses_invalid_steps(engine: Engine, clock: Clock) -> None:
    service = engine()
    [incident] = service.absorb([waterlogging()])
    assert incident.id is not None
    for to, note in [("registered", "核实属实，立案"), ("dispatched", "派遣至蓬江区城管局"),
                     ("in_progress", "已到场排水"), ("verified", "监督员核查：积水已退"), ("closed", "结案")]:
        clock.advance(10 * MIN)
        done = service.transition(incident.id, to, note, who="operator:王敏")
        assert done.state == to and done.state_since == clock.now
    steps = service.store.steps(incident.id)
    assert [s["to_state"] for s in steps] == ["reported", "registered", "dispatched", "in_progress", "verified",
                                              "closed"]
    assert steps[2]["who"] == "operator:王敏" and steps[2]["note"] == "派遣至蓬江区城管局"
    assert steps[2]["at"] == T0 + 20 * MIN
    with pytest.raises(InvalidTransition, match="cannot go from closed"):
        service.transition(incident.id, "in_progress")
    with pytest.raises(UnknownIncident):
        service.transition(999_999, "registered")
    assert len(service.store.steps(incident.id)) == 6  # the refused steps left no trace


def test_overdue_steps_escalate_once_and_a_transition_clears_overdue(engine: Engine, clock: Clock) -> None:
    service = engine()
    [incident] = service.absorb([waterlogging()])  # reported: 0.5 h to register
    assert incident.id is not None and incident.due_at == T0 + 1800
    assert service.tick(T0 + 1700) == []
    [late] = service.tick(T0 + 1900)
    assert late.overdue and late.escalations == 1
    assert service.tick(T0 + 4000) == []  # one escalation per step
    step = service.store.steps(incident.id)[-1]
    assert step["action"] == "escalate" and step["who"] == "system:timer"
    assert "江门市城市运行管理中心" in step["note"] and "上报" in step["note"]

    clock.now = T0 + 5000
    service.transition(incident.id, "registered", "立案")
    dispatched = service.transition(incident.id, "dispatched", "派遣")
    # the class's 处置时限 (事件/1003 道路积水监测: 1 h, natural clock) governs, not the routing row's 2 h
    assert not dispatched.overdue and dispatched.due_at == T0 + 5000 + 1 * 3600
    [late] = service.tick(T0 + 5000 + 1 * 3600 + 1)
    assert late.overdue and late.escalations == 2 and late.state == "dispatched"


def test_a_rejected_false_alarm_raises_no_timed_alarm_later(engine: Engine) -> None:
    service = engine()
    [incident] = service.absorb([fire("fire", at=T0)])
    assert incident.id is not None
    service.transition(incident.id, "rejected", "视频复核：误报（烟感受潮）")
    assert service.tick(T0 + 10 * MIN) == []
    assert service.store.count() == 1


def test_titles_name_the_place_and_the_thing() -> None:
    from hub.incidents.correlate import Correlator
    from hub.incidents.related import load_related
    from hub.pipeline.rules import load_rules

    s = sighting("city.emergency.incident", {"name": "杜阮镇某五金厂火灾", "kind": "fire", "level": 4},
                 alarms=["emergency.incident.reported"], severity=3)
    s.town_name = "杜阮镇"
    [d] = Correlator(load_related(), load_rules().name).correlate([s], [], T0)
    assert d.incident.title == "火灾：突发事件「杜阮镇某五金厂火灾」 · 蓬江区杜阮镇"


def test_an_older_database_loses_the_unused_index_of_members_by_event(tmp_path: Path) -> None:
    path = str(tmp_path / "hub.sqlite")
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE incident_members (incident_id BIGINT NOT NULL, event_uid TEXT NOT NULL,"
                      " source TEXT NOT NULL, type TEXT NOT NULL, time REAL NOT NULL, lon REAL, lat REAL,"
                      " grid_code TEXT, severity INTEGER NOT NULL DEFAULT 0, alarms TEXT NOT NULL DEFAULT '[]',"
                      " joined_at REAL NOT NULL, PRIMARY KEY (incident_id, event_uid));"
                      "CREATE INDEX incident_members_event ON incident_members (event_uid);")
    old.close()
    db = open_db(f"sqlite:///{path}")
    try:
        indexes = {r["name"] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                                   " AND tbl_name = 'incident_members'")}
        assert "incident_members_event" not in indexes
        assert indexes  # the primary key's own index stays: members are read by incident
    finally:
        db.close()


def test_a_district_warning_is_stored_as_a_member_of_both_floods_and_adoption_keeps_its_place(engine: Engine) -> None:
    service = engine()
    west, east = offset(BAISHA, -4000), offset(BAISHA, 6000)
    a, b = service.absorb([waterlogging(point=west, grid="440703001001001"),
                           waterlogging(point=east, grid="440703005005005")])
    warning = sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "red"}, alarms=["weather.warning.red"],
                       severity=4, at=T0 + 5 * MIN, point=offset(BAISHA, 1000, 9000), grid="440703009009009")
    assert {i.id for i in service.absorb([warning])} == {a.id, b.id}
    restarted = engine()
    for incident, point in ((a, west), (b, east)):
        stored = restarted.store.get(incident.id)  # type: ignore[arg-type]
        assert stored is not None and (stored.lon, stored.lat) == point and "440703009009009" not in stored.cells
        assert [m["type"] for m in restarted.store.members(incident.id)] == [  # type: ignore[arg-type]
            "city.water.waterlogging", "city.weather.warning"]
    # in another district the warning opens an incident without a place; an alarm there gives it one, stored
    [placeless] = restarted.absorb([sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "red"},
                                             alarms=["weather.warning.red"], severity=4, at=T0 + 6 * MIN,
                                             district="440704", point=offset(BAISHA, 0, 9000))])
    assert placeless.lon is None and placeless.cells == []
    [adopted] = engine().absorb([waterlogging(point=(113.13, 22.56), district="440704", grid="440704001001001",
                                              at=T0 + 7 * MIN)])
    assert adopted.id == placeless.id
    stored = engine().store.get(placeless.id)  # type: ignore[arg-type]
    assert stored is not None and (stored.lon, stored.lat, stored.cells) == (113.13, 22.56, ["440704001001001"])
