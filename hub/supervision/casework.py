"""How each flow step changes a case's record (hub/supervision/records.py): pure, no I/O.

The handling deadline counts the class's 处置时限 from the latest dispatch on the working-time
clock, plus the approved extensions; a return (回退) takes the case out of the department's counts
until it is dispatched again; a rework (返工) counts once more and clears the handling time, so the
case must be handled again within its deadline. A dispatch may name the department (re-dispatch after
回退): it must be one the responsibility list or a case class makes responsible at the case's place;
the case moves to it and its clock restarts from that dispatch, without the extensions the other
department was granted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hub.supervision.classes import ClassTable
from hub.supervision.records import CaseRecord
from hub.supervision.worktime import DEFAULT_WINDOWS, Limit, parse_limit, work_clock

if TYPE_CHECKING:  # hub.incidents imports this module: nothing of it at run time
    from hub.incidents.flow import FlowStep
    from hub.incidents.model import Incident
    from hub.pipeline.routing import Duty

INSPECTOR_REPORT = "city.grid.case"  # a grid inspector's patrol-app report
SOURCES = {INSPECTOR_REPORT: "inspector", "city.hotline.workorder": "public"}  # every other type: sensor


class BadDepartment(ValueError):
    """A department a dispatch may not name: unknown at the case's place, or named on another step."""


def departments_at(duties: Iterable[Duty], classes: ClassTable, district: str | None, town: str | None = None,
                   grid: str | None = None) -> list[str]:
    """Every department the responsibility list or a case class makes responsible at the place, sorted."""
    named = {d.department for d in duties if d.is_place(district, town, grid)}
    named.update(c.department_at(district, town) for c in classes.classes.values())
    return sorted(named)


def check_department(step: str, department: str | None, allowed: list[str]) -> None:
    """Refuse a department named on a step other than dispatch, or one not responsible at the place."""
    if department is None:
        return
    if step != "dispatch":
        raise BadDepartment(f"only the dispatch step names a department, not {step}")
    if department not in allowed:
        raise BadDepartment(f"department {department!r} is not responsible at the case's place by the "
                            f"responsibility list; choose one of: {', '.join(allowed)}")


def reporter_of(event_source: str) -> str:
    """The inspector's id in a patrol-app event's source (/jiangmen/grid/patrol/<inspector id>)."""
    return event_source.rstrip("/").rsplit("/", 1)[-1]


def new_record(incident: Incident, classes: ClassTable, reporter: str | None = None) -> CaseRecord:
    """The record of a case on its first step; `reporter` is the inspector whose report opened it."""
    assert incident.id is not None
    case_class = classes.of_case(incident.title, incident.type)
    return CaseRecord(incident.id, case_class.code if case_class else None, incident.department,
                      incident.district_code, incident.town_code, SOURCES.get(incident.type, "sensor"),
                      str(case_class.limit) if case_class else None, incident.state, incident.opened_at,
                      reporter=reporter, grid_code=incident.grid_code)


def limit_of(record: CaseRecord, time_limit_h: float | None) -> Limit | None:
    if record.limit_text:
        return parse_limit(record.limit_text)
    return Limit(time_limit_h, "h") if time_limit_h is not None else None


def deadline(record: CaseRecord, limit: Limit | None, windows: str = DEFAULT_WINDOWS) -> float | None:
    if record.dispatched_at is None or limit is None:
        return None
    return work_clock(windows).due_seconds(record.dispatched_at, limit, record.extension_wh)


def apply_step(record: CaseRecord, step: FlowStep, now: float, who: str, extension_wh: float | None,
               department: str | None = None) -> None:
    """Record the step's effect; raise ValueError when an extension step lacks its hours. A dispatch naming
    another department moves the case to it and drops the extensions granted to the one before."""
    name = step.name
    if department is not None and department != record.department:
        record.department, record.extension_wh, record.requested_wh = department, 0.0, 0.0
    if name == "register":
        record.registered_at, record.intake = now, who
    elif name == "send_to_verify":
        record.verify_sent_at, record.intake = now, who
        if record.source != "inspector":  # 核实 is for what the centre has not seen: a public report
            record.source = "public"
    elif name in ("confirm", "refute"):
        record.verified_at, record.inspector = now, who
        if name == "confirm":
            record.registered_at = now
    elif name in ("dispatch", "unpark"):
        record.dispatched_at, record.dispatcher, record.parked, record.handled_at = now, who, False, None
    elif name == "return":
        record.returns += 1
        record.dispatched_at = None
    elif name == "request_extension":
        if not extension_wh or extension_wh <= 0:
            raise ValueError("request_extension needs extension_wh: the working hours asked for")
        record.requested_wh = extension_wh
    elif name == "approve_extension":
        granted = extension_wh if extension_wh is not None else record.requested_wh
        if granted <= 0:
            raise ValueError("approve_extension needs extension_wh, or a request that asked for hours")
        record.extension_wh += granted
        record.requested_wh = 0.0
    elif name == "refuse_extension":
        record.requested_wh = 0.0
    elif name == "approve_parking":
        record.parked = True
    elif name == "finish":
        record.handled_at = now
    elif name == "close":
        record.closed_at, record.inspector = now, who
    elif name == "rework":
        record.reworks += 1
        record.handled_at = None
    record.state = step.to
