"""Simulated staff (模拟坐席与处置人员): they work the hub's open cases along the case flow, so the
demo's and scenarios' evaluation and monthly report have content.

Each round looks at the open cases. The centre's posts act on a case once their typical time in its
state has passed: most reports registered, some sent to an inspector to verify (核实) first, a few
rejected; dispatchers dispatch; shift leads decide extension and parking requests; inspectors check
the handled cases and send some back (返工). A department, when a case is dispatched to it, draws what
it will do from its profile: return it as wrongly dispatched (回退), ask to park it (挂账), or handle it
after a time drawn as a share of the class's 处置时限 on the class's clock, asking for more time (延期)
for some of the cases it would finish late (simulators/staff_profiles.py and .yaml hold the habits and
shares). A returned case is re-dispatched to another department responsible at its place. `pace` real
seconds pass per second of the cases' clocks; a case drawn late is handled only after its deadline.
Names are drawn from small rosters per post. Seeded: the same seed and the same cases give the same steps.

The staff work at a desk: `ServiceDesk`, the hub's incident engine in the same process (the demo),
or `HttpDesk`, the hub's HTTP API with an operator token (a scenario replayed against a running
hub, `working_staff`).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from hub.supervision.classes import class_table
from hub.supervision.worktime import Limit
from simulators.staff_profiles import Habits, act_at, extension_hours, habits, handled_at, handling_share

if TYPE_CHECKING:
    from hub.incidents import IncidentService

log = logging.getLogger(__name__)
ROSTERS = {"intake": ["受理员·林", "受理员·黄", "受理员·陈"], "dispatcher": ["派遣员·梁", "派遣员·李"],
           "shift_lead": ["值班长·吴"], "inspector": ["监督员·周", "监督员·谭", "监督员·区", "监督员·余"]}
FINAL = ("closed", "rejected")


@dataclass(frozen=True, slots=True)
class Case:
    """What the staff see of an open case."""

    id: int
    state: str
    state_since: float  # epoch seconds
    department: str | None
    title: str = ""
    type: str = ""
    dispatched_at: float | None = None
    due_at: float | None = None  # the hub's deadline of the step the case waits for
    time_limit_h: float | None = None


def _seconds(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


class Refused(Exception):
    """The desk did not take the step (someone moved the case meanwhile, or it is gone)."""


class Desk(Protocol):
    def open_cases(self, limit: int) -> list[Case]: ...

    def take(self, case_id: int, step: str, post: str, who: str, note: str, attachments: Sequence[str],
             extension_wh: float | None, department: str | None) -> None: ...

    def departments(self, case_id: int) -> list[str]: ...


class ServiceDesk:
    """The hub's incident engine, in this process."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service

    def open_cases(self, limit: int) -> list[Case]:
        found, _ = self.service.store.search(open_only=True, limit=limit)
        return [Case(i.id, i.state, i.state_since, i.department, i.title, i.type, i.dispatched_at, i.due_at,
                     i.time_limit_h) for i in found if i.id is not None]

    def take(self, case_id: int, step: str, post: str, who: str, note: str, attachments: Sequence[str],
             extension_wh: float | None, department: str | None) -> None:
        from hub.incidents import InvalidTransition, UnknownIncident

        try:
            self.service.transition(case_id, note=note, who=who, step=step, post=post, attachments=attachments,
                                    extension_wh=extension_wh, department=department)
        except (InvalidTransition, UnknownIncident) as err:
            raise Refused(str(err)) from None

    def departments(self, case_id: int) -> list[str]:
        found = self.service.store.get(case_id)
        return self.service.departments(found) if found is not None else []


class HttpDesk:
    """A running hub's HTTP API, with an operator token: the posts act as `by` on the operator's behalf."""

    def __init__(self, hub_url: str, token: str | None, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=hub_url.rstrip("/"), headers=headers, timeout=30, transport=transport)

    def open_cases(self, limit: int) -> list[Case]:
        answer = self.http.get("/api/incidents", params={"limit": limit})
        answer.raise_for_status()
        return [Case(int(i["id"]), i["state"], _seconds(i["state_since"]) or 0.0, i.get("department"),
                     i.get("title") or "", i.get("type") or "", _seconds(i.get("dispatched_at")),
                     _seconds(i.get("due_at")), i.get("time_limit_h"))
                for i in answer.json().get("items", []) if i["state"] not in FINAL]

    def take(self, case_id: int, step: str, post: str, who: str, note: str, attachments: Sequence[str],
             extension_wh: float | None, department: str | None) -> None:
        body: dict[str, Any] = {"step": step, "post": post, "by": who, "note": note, "attachments": list(attachments)}
        body |= {k: v for k, v in (("extension_wh", extension_wh), ("department", department)) if v is not None}
        answer = self.http.post(f"/api/incidents/{case_id}/transitions", json=body)
        if answer.status_code in (404, 409):
            raise Refused(answer.text)
        answer.raise_for_status()  # 401/403/503: the token cannot move cases; the staff cannot work

    def departments(self, case_id: int) -> list[str]:
        answer = self.http.get(f"/api/incidents/{case_id}/departments")
        return list(answer.json().get("departments", [])) if answer.status_code == 200 else []


@dataclass(slots=True)
class Plan:
    """What the department will do with a case dispatched to it, drawn when it first sees it."""

    outcome: str  # "handle", "return" or "park"
    start: float  # when the case's handling clock started (its dispatch)
    handled: float  # the instant it is handled, on the case's clock
    extension_wh: float | None = None  # working hours it will ask for (延期), once


def limit_of(case: Case) -> Limit | None:
    """The case class's 处置时限; else its type's natural hours; else the span to its deadline."""
    case_class = class_table().of_case(case.title, case.type)
    if case_class is not None:
        return case_class.limit
    if case.time_limit_h:
        return Limit(case.time_limit_h, "h")
    start = case.dispatched_at or case.state_since
    return Limit((case.due_at - start) / 3600, "h") if case.due_at and case.due_at > start else None


class Staff:
    def __init__(self, desk: Desk, seed: int = 26, pace: float | None = None, profiles: Habits | None = None) -> None:
        self.habits = profiles or habits()
        self.desk, self.rng = desk, random.Random(seed)
        self.pace = self.habits.pace if pace is None else pace
        self._plans: dict[int, Plan] = {}
        self._handled_once: set[int] = set()  # a reworked case is handled again, never returned or parked
        self._returned: dict[int, str | None] = {}  # case → the department that returned it

    def who(self, post: str) -> str:
        return self.rng.choice(ROSTERS[post])

    def waited(self, incident: Case, now: float) -> bool:
        """Whether the post that acts in the case's state has had its typical time (compressed by pace)."""
        wait = self.habits.wait_s.get(incident.state)
        return wait is not None and now - incident.state_since >= wait * self.pace

    def plan(self, incident: Case) -> Plan:
        """The department's plan for the case, drawn once a dispatch from its profile."""
        found = self._plans.get(incident.id)
        if found is not None:
            return found
        profile = self.habits.profile(incident.department)
        at_dispatch = incident.state == "dispatched"  # (re)dispatched or reworked now; else handled since dispatch
        start = incident.state_since if at_dispatch else incident.dispatched_at or incident.state_since
        r, outcome = self.rng.random(), "handle"
        if incident.id not in self._handled_once and r < profile.returned + profile.parked:
            outcome = "return" if r < profile.returned else "park"
        limit = limit_of(incident)
        handled = start if limit is None else handled_at(start, limit, handling_share(self.rng, profile))
        ask = None
        if incident.due_at is not None and handled > incident.due_at and self.rng.random() < profile.extension:
            ask = extension_hours(incident.due_at, handled)
        self._plans[incident.id] = found = Plan(outcome, start, handled, ask)
        return found

    def redispatch_to(self, incident: Case) -> str | None:
        """Another department responsible at the place of a returned case (None: not returned, or none)."""
        if incident.id not in self._returned:
            return None
        returned_by = self._returned.pop(incident.id)
        others = [d for d in self.desk.departments(incident.id) if d != returned_by]
        return self.rng.choice(others) if others else None

    def department_step(self, incident: Case, now: float) -> tuple[str, str, float | None] | None:
        """(step, reason, extension hours) the department takes now, None while it is still at work."""
        plan = self.plan(incident)
        if incident.state == "dispatched":
            if not self.waited(incident, now):
                return None
            if plan.outcome == "return":
                return "return", "不属本部门职责，请重新派遣", None
            if plan.outcome == "park":
                return "request_parking", "需纳入年度改造计划", None
            return "accept", "", None
        if plan.extension_wh is not None:
            ask, plan.extension_wh = plan.extension_wh, None
            return "request_extension", "需协调相关单位", ask
        if now < act_at(plan.start, incident.due_at, plan.handled, self.pace):
            return None
        return "finish", "已处置完毕", None

    def step_for(self, incident: Case, now: float) -> tuple[str, str, str, str, float | None] | None:
        """(step, post, who, reason, extension hours) the staff take for a case in its state now, or None."""
        state = incident.state
        if state in ("dispatched", "in_progress"):
            taken = self.department_step(incident, now)
            if taken is None:
                return None
            step, reason, hours = taken
            return step, "department", incident.department or "处置部门", reason, hours
        if not self.waited(incident, now):
            return None
        r, odds = self.rng.random(), self.habits.centre
        if state == "reported":
            if r < odds["reject"]:
                return "reject", "intake", self.who("intake"), "重复上报，已并案", None
            if r < odds["reject"] + odds["send_to_verify"]:
                return "send_to_verify", "intake", self.who("intake"), "", None
            return "register", "intake", self.who("intake"), "", None
        if state == "verifying":
            if r < odds["refute"]:
                return "refute", "inspector", self.who("inspector"), "现场核实无此问题", None
            return "confirm", "inspector", self.who("inspector"), "现场核实属实", None
        if state == "registered":
            return "dispatch", "dispatcher", self.who("dispatcher"), "", None
        if state == "extension_requested":
            ok = r < odds["approve_extension"]
            return ("approve_extension" if ok else "refuse_extension"), "shift_lead", self.who("shift_lead"), \
                "" if ok else "理由不充分，请按时处置", None
        if state == "park_requested":
            return "approve_parking", "shift_lead", self.who("shift_lead"), "", None
        if state != "verified":
            return None
        if r < self.habits.profile(incident.department).rework:
            return "rework", "inspector", self.who("inspector"), "核查未通过，仍有问题", None
        return "close", "inspector", self.who("inspector"), "", None

    def work(self, now: float | None = None, limit: int = 200) -> int:
        """One round over the open cases; how many steps were taken."""
        now = time.time() if now is None else now
        taken = 0
        for incident in sorted(self.desk.open_cases(limit), key=lambda i: i.id):
            chosen = self.step_for(incident, now)
            if chosen is None:
                continue
            step, post, who, reason, hours = chosen
            department = self.redispatch_to(incident) if step == "dispatch" else None
            try:
                self.desk.take(incident.id, step, post, who, reason,
                               [f"photo-{incident.id}-{step}"] if step == "finish" else [], hours, department)
            except Refused:
                continue  # someone else moved it meanwhile
            taken += 1
            if step in ("return", "finish", "request_parking"):
                self._plans.pop(incident.id, None)  # a new dispatch (or a rework) draws anew
            if step == "finish":
                self._handled_once.add(incident.id)
            if step == "return":
                self._returned[incident.id] = incident.department
        return taken

    def run(self, stop: threading.Event, every_s: float = 5.0) -> None:
        while not stop.wait(every_s):
            try:
                self.work()
            except Exception:
                log.exception("simulated staff: a round failed; trying again")


@contextlib.contextmanager
def working_staff(desk: Desk | None, seed: int, pace: float | None, every_s: float) -> Iterator[Staff | None]:
    """Staff working the desk's cases in a thread while the block runs (none without a desk)."""
    if desk is None:
        yield None
        return
    staff, stop = Staff(desk, seed, pace), threading.Event()
    worker = threading.Thread(target=staff.run, args=(stop, every_s), name="staff", daemon=True)
    worker.start()
    try:
        yield staff
    finally:
        stop.set()
        worker.join(30)
