"""The open incidents an engine keeps between batches: it uses them only while nobody else wrote, so
another engine's (another worker's) transitions, openings and joins show in its next batch; closed
incidents take nothing; member counts stay exact when the same event comes again."""

from __future__ import annotations

from collections.abc import Callable

from hub.incidents import IncidentService
from tests.incidents.conftest import Clock
from tests.incidents.factory import BAISHA, T0, offset, sighting, waterlogging

Engine = Callable[[], IncidentService]
MIN = 60.0



def rain(at: float, east_m: float = 200):  # type: ignore[no-untyped-def]
    return sighting("city.water.rainfall", {"station_id": "R", "rain_1h_mm": 30}, at=at,
                    point=offset(BAISHA, east_m))


def test_a_transition_by_another_engine_shows_in_the_next_batch(engine: Engine) -> None:
    worker, operator = engine(), engine()
    [incident] = worker.absorb([waterlogging()])
    assert incident.id is not None
    operator.transition(incident.id, "registered", "立案")
    [joined] = worker.absorb([rain(T0 + 5 * MIN)])
    assert joined.id == incident.id and joined.state == "registered" and joined.member_count == 2


def test_an_incident_closed_elsewhere_takes_no_more_events(engine: Engine) -> None:
    worker, operator = engine(), engine()
    [incident] = worker.absorb([waterlogging()])
    assert incident.id is not None
    assert worker.absorb([rain(T0 + 1 * MIN)])[0].id == incident.id  # kept in memory, and joined
    operator.transition(incident.id, "rejected", "误报")
    [fresh] = worker.absorb([waterlogging(at=T0 + 2 * MIN)])  # would have joined the rejected one
    assert fresh.id != incident.id and fresh.member_count == 1
    assert worker.absorb([rain(T0 + 3 * MIN)])[0].id == fresh.id
    assert operator.store.get(incident.id).member_count == 2  # type: ignore[union-attr]


def test_an_incident_closed_by_the_same_engine_takes_no_more_events(engine: Engine) -> None:
    service = engine()
    [incident] = service.absorb([waterlogging()])
    assert incident.id is not None
    service.absorb([rain(T0 + 1 * MIN)])
    for to in ("registered", "dispatched", "in_progress", "verified", "closed"):
        service.transition(incident.id, to)
    assert service.absorb([rain(T0 + 2 * MIN)]) == []  # a rainfall reading opens nothing by itself
    [fresh] = service.absorb([waterlogging(at=T0 + 3 * MIN)])
    assert fresh.id != incident.id
    closed = service.store.get(incident.id)
    assert closed is not None and closed.state == "closed" and closed.member_count == 2


def test_an_incident_opened_by_another_worker_is_joined_not_opened_again(engine: Engine) -> None:
    a, b = engine(), engine()
    assert a.absorb([rain(T0)]) == []  # a has looked (and keeps an empty picture)
    [opened] = b.absorb([waterlogging(at=T0 + 1 * MIN)])
    [joined] = a.absorb([waterlogging(at=T0 + 2 * MIN, point=offset(BAISHA, 100))])
    assert joined.id == opened.id and joined.member_count == 2
    [again] = b.absorb([rain(T0 + 3 * MIN)])  # and b sees a's join
    assert again.id == opened.id and again.member_count == 3
    assert a.store.count() == 1


def test_member_counts_stay_exact_when_the_same_event_comes_again(engine: Engine) -> None:
    service = engine()
    alarm = waterlogging()
    [incident] = service.absorb([alarm])
    assert incident.member_count == 1
    assert service.absorb([alarm])[0].member_count == 1  # redelivered: the same member
    complaint = rain(T0 + 1 * MIN)
    assert service.absorb([complaint, complaint, alarm])[0].member_count == 2  # twice in one batch
    [now] = service.absorb([rain(T0 + 2 * MIN), complaint])
    assert now.member_count == 3
    assert len(service.store.members(incident.id or 0)) == 3
    restarted = engine()  # what the database says agrees with what the engine kept
    assert restarted.store.get(incident.id or 0).member_count == 3  # type: ignore[union-attr]


def test_a_duplicate_in_the_batch_that_opens_counts_once(engine: Engine) -> None:
    service = engine()
    alarm = waterlogging()
    [incident] = service.absorb([alarm, alarm])
    assert incident.member_count == 1
    assert service.store.get(incident.id or 0).member_count == 1  # type: ignore[union-attr]


def test_escalation_by_the_timer_shows_in_the_next_batch(engine: Engine, clock: Clock, published: list) -> None:  # type: ignore[type-arg]
    service = engine()
    [incident] = service.absorb([waterlogging()])  # reported: 0.5 h to register
    [late] = service.tick(T0 + 1900)
    assert late.id == incident.id and late.overdue
    [joined] = service.absorb([rain(T0 + 10 * MIN)])
    assert joined.overdue and joined.escalations == 1
    assert published[-1][1][0]["overdue"] is True
    other = engine()
    other.tick(T0 + 1900 + 2 * 3600)  # nothing more is due: the step was escalated once
    assert other.store.get(incident.id or 0).escalations == 1  # type: ignore[union-attr]


def test_an_event_late_past_the_kept_window_still_finds_its_incident(engine: Engine) -> None:
    service = engine()
    [old] = service.absorb([waterlogging()])
    far_on = T0 + 24 * 3600  # the engine moves on a day: the kept incidents are dropped or reloaded
    [new] = service.absorb([waterlogging(at=far_on)])
    assert new.id != old.id
    [late] = service.absorb([rain(T0 + 5 * MIN)])  # a late reading from the first hour
    assert late.id == old.id and late.member_count == 2
    assert service.absorb([rain(far_on + 5 * MIN)])[0].id == new.id
