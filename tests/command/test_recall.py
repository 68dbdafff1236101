"""Recalling a dispatch (撤回/召回): which dispatches may be recalled, the step in the incident's history,
the order on the units' feed until the unit turns back, and the unit offered again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from adapters.vehicle_jt808 import ADAPTER
from hub.command.desk import CommandDesk, NotRecallable, UnknownDispatch
from hub.command.dispatch import recall_refusal
from hub.events import Event, Message
from simulators.command_units import Crew, frame
from tests.command.conftest import BAISHA, open_incident


@pytest.mark.parametrize(("status", "refused"), [
    ("dispatched", None), ("en-route", None), ("on-scene", "on scene"), ("returning", "over"), ("done", "over"),
    ("recalling", "recalled already"), ("recalled", "recalled already")])
def test_only_a_unit_not_yet_arrived_can_be_recalled(status: str, refused: str | None) -> None:
    reason = recall_refusal({"id": 3, "unit_id": "U1", "status": status})
    assert reason is None if refused is None else refused in reason


def report(desk: CommandDesk, unit_id: str, lon: float, lat: float, task: str, incident_id: int | None,
           second: int) -> None:
    """A JT/T 808 position report of the unit, as the adapter turns it into an event, into the desk's sink."""
    unit = desk.registry.units[unit_id]
    crew = Crew(unit, (lon, lat), task=task, incident_id=incident_id)
    (ce,) = ADAPTER.adapt(frame(crew, (lon, lat, 30.0, 0.0), datetime.fromtimestamp(second, UTC)))
    desk.sink([Event(ce, Message(b"", ADAPTER.topic, "mqtt"))], [])


def first_engine(desk: CommandDesk, incident_id: int) -> dict:  # type: ignore[type-arg]
    rec = desk.recommendations(incident_id)
    return dict(next(c for c in rec["capabilities"] if c["capability"] == "engine")["units"][0])


def test_recall_before_setting_off_frees_the_unit_and_is_a_step(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    fire, other = open_incident(d.incidents, "fire", BAISHA), open_incident(d.incidents, "fire", BAISHA)
    engine = first_engine(d, fire)
    sent = d.dispatch(fire, engine["unit"], "operator")
    route = d.committed(fire)[0]["route"]
    assert route["remaining"]["geometry"]["type"] == "LineString" and route["eta_s"] == sent["eta_s"]
    with pytest.raises(UnknownDispatch):
        d.recall(other, sent["id"], "operator", "wrong incident")
    back = d.recall(fire, sent["id"], "operator", "误报，火已扑灭")
    assert back["status"] == "recalled" and back["unit_status"] == "available"  # no terminal heard: nothing to tell
    step = d.incidents.store.steps(fire)[-1]
    assert step["action"] == "recall" and "误报，火已扑灭" in step["note"] and step["who"] == "operator"
    assert engine["unit"] == first_engine(d, other)["unit"]  # offered again, first as before
    with pytest.raises(NotRecallable, match="recalled already"):
        d.recall(fire, sent["id"], "operator", "again")
    assert d.committed(fire)[0]["route"] is None and d.open_dispatches() == []


def test_recall_on_the_way_is_an_order_until_the_unit_turns_back(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    fire = open_incident(d.incidents, "fire", BAISHA)
    engine = first_engine(d, fire)
    sent = d.dispatch(fire, engine["unit"], "operator")
    path = d.roads.timed_path((engine["lon"], engine["lat"]), BAISHA)
    lon, lat, _ = path[len(path) // 2]
    report(d, engine["unit"], lon, lat, "en-route", fire, 2_000_000_000)
    (feed,) = d.open_dispatches()
    assert feed["status"] == "en-route" and feed["route"]["remaining"]["geometry"]["coordinates"][0] == [lon, lat]
    assert feed["route"]["eta_s"] < sent["eta_s"] and feed["route"]["path"]["properties"]["seconds"] == sent["eta_s"]
    assert d.recall(fire, sent["id"], "operator", "另有任务")["status"] == "recalling"
    assert d.board.get(engine["unit"]).status == "returning"
    assert [(f["id"], f["status"]) for f in d.open_dispatches()] == [(sent["id"], "recalling")]
    report(d, engine["unit"], lon, lat + 0.001, "en-route", fire, 2_000_000_001)  # sent before it read the order
    assert d.board.get(engine["unit"]).status == "returning" and d.open_dispatches()
    restarted = desk()  # a restarted hub still holds the order and the guard
    assert restarted.board.get(engine["unit"]).recalled_from == fire
    report(d, engine["unit"], lon, lat, "returning", None, 2_000_000_002)
    assert d.open_dispatches() == [] and d.book.get(sent["id"])["status"] == "recalled"
    report(d, engine["unit"], engine["lon"], engine["lat"], "available", None, 2_000_000_003)
    assert d.board.get(engine["unit"]).status == "available" and d.book.get(sent["id"])["status"] == "recalled"
    with pytest.raises(NotRecallable):
        d.recall(fire, sent["id"], "operator", "again")


def test_an_arrived_unit_cannot_be_recalled(desk: Callable[[], CommandDesk]) -> None:
    d = desk()
    fire = open_incident(d.incidents, "fire", BAISHA)
    engine = first_engine(d, fire)
    sent = d.dispatch(fire, engine["unit"], "operator")
    report(d, engine["unit"], *BAISHA, "on-scene", fire, 2_000_000_000)
    with pytest.raises(NotRecallable, match="on scene"):
        d.recall(fire, sent["id"], "operator", "too late")
    assert d.board.get(engine["unit"]).status == "on-scene"
