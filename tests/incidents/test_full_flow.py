"""The full case flow on SQLite and PostgreSQL: 核实, 延期, 挂账, 回退, 返工 with who, when, why and
photos, refused by post and state, and the case record evaluation reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.incidents import IncidentService, InvalidTransition
from hub.supervision.casework import BadDepartment
from tests.incidents.conftest import Clock
from tests.incidents.factory import T0, waterlogging

Engine = Callable[[], IncidentService]
HOUR = 3600.0


def opened(service: IncidentService) -> int:
    [incident] = service.absorb([waterlogging()])
    assert incident.id is not None
    return incident.id


def test_verify_extend_rework_and_close(engine: Engine, clock: Clock) -> None:
    service = engine()
    case = opened(service)
    service.transition(case, step="send_to_verify", post="intake", who="受理员:李")
    with pytest.raises(InvalidTransition, match="may not confirm"):
        service.transition(case, step="confirm", post="dispatcher", who="派遣员:王")
    service.transition(case, "registered", "现场属实", "监督员:陈", post="inspector", attachments=["photo-1"])
    clock.now = T0 + 5000  # Monday 15:23:20
    service.transition(case, "dispatched", who="派遣员:王", post="dispatcher")
    moved = service.transition(case, "in_progress", who="蓬江区城管:张", post="department")
    assert moved.due_at == T0 + 5000 + HOUR  # 事件/1003: 1 h on the natural clock
    with pytest.raises(InvalidTransition, match="needs extension_wh"):
        service.transition(case, step="request_extension", note="泵车故障", post="department")
    service.transition(case, step="request_extension", note="泵车故障", post="department", extension_wh=2)
    with pytest.raises(InvalidTransition, match="more than one step"):
        service.transition(case, "in_progress", post="shift_lead")
    extended = service.transition(case, step="approve_extension", post="shift_lead", who="值班长:赵")
    # 16:23:20 + 2 working hours: 1 h 06 m 40 s to 17:30, 53 m 20 s from Tuesday 08:30: 09:23:20
    assert extended.due_at == T0 + 5000 + HOUR + 17 * HOUR
    service.transition(case, "verified", "已排水", post="department", attachments=["photo-2", "photo-3"])
    service.transition(case, step="rework", note="仍有积水", post="inspector")
    service.transition(case, "in_progress", post="department")
    service.transition(case, "verified", post="department")
    closed = service.transition(case, "closed", post="inspector", who="监督员:陈")
    assert closed.state == "closed" and closed.due_at is None

    record = service.records.get(case)
    assert record is not None
    assert (record.category, record.limit_text, record.source) == ("事件/1003", "1h", "public")
    assert (record.extension_wh, record.reworks, record.returns, record.parked) == (2, 1, 0, False)
    assert record.deadline == extended.due_at and record.closed_at == T0 + 5000
    assert (record.intake, record.inspector, record.dispatcher) == ("受理员:李", "监督员:陈", "派遣员:王")
    steps = service.records.steps(case)
    assert [s["step"] for s in steps] == ["send_to_verify", "confirm", "dispatch", "accept", "request_extension",
                                          "approve_extension", "finish", "rework", "accept", "finish", "close"]
    assert steps[1]["attachments"] == ["photo-1"] and steps[6]["attachments"] == ["photo-2", "photo-3"]
    assert steps[4]["reason"] == "泵车故障" and steps[4]["extension_wh"] == 2 and steps[4]["post"] == "department"


def test_return_redispatch_park_and_refusals(engine: Engine, clock: Clock) -> None:
    service = engine()
    case = opened(service)
    service.transition(case, "registered", post="intake")
    service.transition(case, "dispatched", post="dispatcher")
    with pytest.raises(InvalidTransition, match="needs a reason"):
        service.transition(case, step="return", post="department")
    service.transition(case, step="return", note="不属本部门职责", post="department")
    clock.now = T0 + 600
    with pytest.raises(BadDepartment, match="not responsible at the case's place"):
        service.transition(case, "dispatched", post="dispatcher", department="台山市消防救援大队")
    with pytest.raises(BadDepartment, match="only the dispatch step"):
        service.transition(case, step="reject", note="x", post="intake", department="江门市水利局")
    other = "江门市公安局交通警察支队"
    assert other in service.departments(service.store.get(case))  # type: ignore[arg-type]
    moved = service.transition(case, "dispatched", post="dispatcher", department=other)
    assert moved.department == other and moved.due_at == T0 + 600 + HOUR  # the clock restarts at the re-dispatch
    service.transition(case, step="request_extension", note="等待材料", post="department", extension_wh=8)
    refused = service.transition(case, step="refuse_extension", note="理由不足", post="shift_lead")
    assert refused.due_at == T0 + 600 + HOUR  # unmoved
    service.transition(case, step="request_parking", note="需改造管网，列入年度计划", post="department")
    with pytest.raises(InvalidTransition, match="may not approve_parking"):
        service.transition(case, step="approve_parking", post="department")
    parked = service.transition(case, step="approve_parking", post="shift_lead")
    assert parked.state == "parked" and parked.due_at is None
    assert service.tick(T0 + 100 * HOUR) == []  # a parked case never goes overdue
    with pytest.raises(InvalidTransition, match="cannot finish"):
        service.transition(case, step="finish", post="department")
    record = service.records.get(case)
    assert record is not None and record.parked and record.returns == 1 and record.extension_wh == 0
    assert record.department == other
    clock.now = T0 + 2 * HOUR
    service.transition(case, step="unpark", post="dispatcher")
    record = service.records.get(case)
    assert record is not None and not record.parked and record.dispatched_at == T0 + 2 * HOUR


def test_the_engine_refuses_to_start_in_a_year_the_holiday_calendar_does_not_know(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hub.incidents import open_incidents
    from hub.supervision.worktime import UnknownYear

    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    with pytest.raises(UnknownYear, match="2099"):
        open_incidents(url, clock=lambda: 4_070_908_800.0 + 86_400 * 30)  # 2099-01-31
    with pytest.raises(ValueError, match="working window"):
        open_incidents(url, clock=lambda: T0, work_windows="8-12")


def test_a_deadline_spilling_into_a_year_the_calendar_does_not_know_is_provisional_not_an_error(
        engine: Engine, clock: Clock) -> None:
    from datetime import datetime

    from hub.incidents.views import summary
    from hub.supervision.worktime import BEIJING, work_calendar

    service = engine()
    case = opened(service)
    service.transition(case, "registered", post="intake")
    year_end = datetime(2026, 12, 31, 16, 0, tzinfo=BEIJING).timestamp()
    clock.now = year_end
    dispatched = service.transition(case, "dispatched", post="dispatcher")
    assert dispatched.due_at == year_end + HOUR and not summary(dispatched)["deadline_provisional"]
    service.transition(case, step="request_extension", note="元旦前材料不齐", post="department", extension_wh=2)
    extended = service.transition(case, step="approve_extension", post="shift_lead")
    # 17:00 + 2 wh: 30 min to 17:30; 1 Jan (元旦) and the weekend are off; 1.5 h on Monday 4 Jan 2027
    assert extended.due_at == datetime(2027, 1, 4, 10, 0, tzinfo=BEIJING).timestamp()
    assert summary(extended)["deadline_provisional"] is True
    assert work_calendar().provisional_year == 2027 and 2027 in work_calendar().describe()["provisional_in_use"]
