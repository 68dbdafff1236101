"""Reports to the simulated province: every severe incident's steps, in order, once, through an outage;
a report resent after a lost acknowledgement is taken once; a replay from a date; the day's indicators."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from hub.exchange.province import ProvinceLink
from hub.exchange.reports import device_rates
from hub.health.cadences import load_cadences
from hub.health.devices import DeviceHealth, Seen
from hub.incidents import open_incidents
from hub.incidents.flow import STATES
from hub.registry import load_registry
from simulators.province import SCHEMA
from tests.exchange.conftest import SECRET
from tests.incidents.conftest import Clock
from tests.incidents.factory import JIANGHAI, T0, sighting, waterlogging
from tests.support import HTTP


def province_saw(base: str) -> dict:  # type: ignore[type-arg]
    return dict(HTTP.get(base + "/reports").json())


def test_the_province_away_then_back_gets_every_report_once_and_in_order(
        db_url: str, province: Callable[..., str]) -> None:
    base = province()
    clock = Clock()
    engine = open_incidents(db_url, clock=clock)
    link = ProvinceLink(engine.store.db, base + "/reports", SECRET, min_severity=3, clock=clock)
    link.watch(engine.store)
    [severe] = engine.absorb([waterlogging(30)])  # severity 3: reported
    [mild] = engine.absorb([sighting("city.fire.fault", {"panel": "P1"}, alarms=["fire.fault"], severity=2,
                                     point=JIANGHAI)])
    assert mild.severity == 2  # below the reported severity: stays in the city
    assert link.send_due() == 1
    HTTP.post(base + "/admin/away", params={"on": 1})
    for to in ("registered", "dispatched", "in_progress"):
        engine.transition(severe.id, to)  # type: ignore[arg-type]
    assert link.send_due() == 0
    state = link.state()
    assert state["backlog"] == 3 and state["failures"] == 1 and "503" in state["last_error"]
    clock.advance(1)
    assert link.send_due() == 0  # backing off: not even tried
    assert link.state()["failures"] == 1
    clock.advance(10)
    assert link.send_due() == 0 and link.state()["failures"] == 2  # tried, still away
    engine.transition(severe.id, "verified")  # type: ignore[arg-type]
    HTTP.post(base + "/admin/away", params={"on": 0})
    clock.advance(3600)
    assert link.send_due() == 4
    saw = province_saw(base)
    assert [r["seq"] for r in saw["reports"]] == [1, 2, 3, 4, 5]
    assert [r["step"]["to_state"] for r in saw["reports"]] == ["reported", "registered", "dispatched", "in_progress",
                                                               "verified"]
    assert saw["repeats"] == 0 and saw["out_of_order"] == 0 and saw["refused"] == []
    assert saw["reports"][0]["incident"]["id"] == f"440700-INC-{severe.id}"
    state = link.state()
    assert state["backlog"] == 0 and state["last_seq"] == 5 and state["failures"] == 0
    engine.close()


def test_a_report_resent_after_a_lost_acknowledgement_is_taken_once_and_replays_are_marked(
        db_url: str, province: Callable[..., str]) -> None:
    base = province()
    engine = open_incidents(db_url, clock=lambda: T0)
    link = ProvinceLink(engine.store.db, base + "/reports", SECRET, clock=lambda: T0)
    link.watch(engine.store)
    [incident] = engine.absorb([waterlogging(30)])
    engine.transition(incident.id, "registered")  # type: ignore[arg-type]
    report = link.outbox.next_due()
    assert report is not None and link._post(report) is None  # delivered; the city dies before recording it
    assert link.send_due() == 2  # sent again, then the next one
    saw = province_saw(base)
    assert [r["seq"] for r in saw["reports"]] == [1, 2] and saw["repeats"] == 1
    assert link.outbox.replay(T0) == 2
    assert link.send_due() == 2
    saw = province_saw(base)
    assert [r["seq"] for r in saw["replayed"]] == [1, 2] and all(r["replay"] for r in saw["replayed"])
    assert len(saw["reports"]) == 2
    engine.close()


def test_a_bad_secret_is_refused_and_nothing_is_skipped(db_url: str, province: Callable[..., str]) -> None:
    base = province()
    engine = open_incidents(db_url, clock=lambda: T0)
    link = ProvinceLink(engine.store.db, base + "/reports", "wrong", clock=lambda: T0)
    link.watch(engine.store)
    engine.absorb([waterlogging(30)])
    assert link.send_due() == 0
    assert "401" in link.state()["last_error"] and link.state()["backlog"] == 1
    assert province_saw(base)["refused"] == ["signature"]
    engine.close()


def test_the_days_indicators_are_reported_once_and_valid(db_url: str, province: Callable[..., str]) -> None:
    base = province()
    clock = Clock()
    engine = open_incidents(db_url, clock=clock)
    [incident] = engine.absorb([waterlogging(30)])
    for to in ("registered", "dispatched"):
        engine.transition(incident.id, to)  # type: ignore[arg-type]
    clock.advance(3600)
    engine.transition(incident.id, "in_progress")  # type: ignore[arg-type]
    stats = {"domain": [{"key": "water", "count": 12}], "district": [{"key": "440703", "count": 12}]}
    health = DeviceHealth(load_registry(), load_cadences())
    device = next(iter(health.registry.devices))
    health.seen[device] = Seen(last_received=T0 + 86400)  # one device reported just now; the rest never
    link = ProvinceLink(engine.store.db, base + "/reports", SECRET, min_severity=5, clock=lambda: T0 + 86400,
                        stats=lambda by, since, until: stats[by], online=lambda: device_rates(health, T0 + 86400))
    day = date(2026, 6, 1)
    assert link.yesterday() == day
    assert link.queue_indicators(day)
    assert not link.queue_indicators(day)
    assert link.send_due() == 1
    [report] = province_saw(base)["reports"]
    figures = report["indicators"]
    assert figures["date"] == "2026-06-01" and figures["events_by_domain"] == {"water": 12}
    assert figures["incidents"]["opened"] == 1 and figures["incidents"]["open_at_end"] == 1
    assert figures["incidents"]["opened_by_district"] == {"440703": 1}
    evaluation = figures["evaluation"]  # the case dispatched at 14:00 with 2 h is due by the day's end, not handled
    assert evaluation["city"]["due"] == 1 and evaluation["city"]["handled_on_time"] == 0
    assert evaluation["by_district"]["440703"]["grade"] == "E"
    rates = figures["device_online_rate"]
    assert 0 < rates["city"] < 0.01 and set(rates["by_district"]) >= {"440703", "440781"}
    engine.close()



def test_the_report_schema_names_every_state_of_the_case_flow() -> None:
    """The province validates reports against the published schema: a state the flow has and the schema lacks
    would stop the ordered exchange at the first case that reaches it."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert set(schema["properties"]["incident"]["properties"]["state"]["enum"]) == set(STATES)
