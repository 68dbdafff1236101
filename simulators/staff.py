"""Simulated staff (模拟坐席与处置人员): they work the hub's open cases along the case flow, so the
demo's and scenarios' evaluation and monthly report have content.

Each round looks at the open cases; a case waits in its state for a delay drawn per step (seconds
of demo time, `pace` scales them), then the staff take the step a real centre would, with
realistic odds: most reports registered, a tenth sent to an inspector to verify (核实) first, a
few rejected; departments return a few wrongly dispatched cases (回退), ask for more time (延期)
or to park a case (挂账); some cases are left unhandled (so they go late); inspectors send a few
back for rework (返工). A returned case is re-dispatched to another department responsible at its
place. Names are drawn from small rosters per post. Seeded: the same seed and the same cases give
the same steps.

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

if TYPE_CHECKING:
    from hub.incidents import IncidentService

log = logging.getLogger(__name__)
ROSTERS = {"intake": ["受理员·林", "受理员·黄", "受理员·陈"], "dispatcher": ["派遣员·梁", "派遣员·李"],
           "shift_lead": ["值班长·吴"], "inspector": ["监督员·周", "监督员·谭", "监督员·区", "监督员·余"]}
WAIT_S = {"reported": 20, "verifying": 40, "registered": 15, "dispatched": 30, "in_progress": 60,
          "extension_requested": 20, "park_requested": 20, "verified": 30}
LEFT_LATE = 0.12  # share of dispatched cases the department never gets to


FINAL = ("closed", "rejected")


@dataclass(frozen=True, slots=True)
class Case:
    """What the staff see of an open case."""

    id: int
    state: str
    state_since: float  # epoch seconds
    department: str | None


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
        return [Case(i.id, i.state, i.state_since, i.department) for i in found if i.id is not None]

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
        return [Case(int(i["id"]), i["state"], datetime.fromisoformat(i["state_since"]).timestamp(),
                     i.get("department")) for i in answer.json().get("items", []) if i["state"] not in FINAL]

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


class Staff:
    def __init__(self, desk: Desk, seed: int = 26, pace: float = 1.0) -> None:
        self.desk, self.rng, self.pace = desk, random.Random(seed), pace
        self._neglected: set[int] = set()
        self._returned: dict[int, str | None] = {}  # case → the department that returned it

    def who(self, post: str) -> str:
        return self.rng.choice(ROSTERS[post])

    def due(self, incident: Case, now: float) -> bool:
        wait = WAIT_S.get(incident.state)
        return wait is not None and now - incident.state_since >= wait * self.pace

    def redispatch_to(self, incident: Case) -> str | None:
        """Another department responsible at the place of a returned case (None: not returned, or none)."""
        if incident.id not in self._returned:
            return None
        returned_by = self._returned.pop(incident.id)
        others = [d for d in self.desk.departments(incident.id) if d != returned_by]
        return self.rng.choice(others) if others else None

    def step_for(self, incident: Case) -> tuple[str, str, str, str, float | None]:
        """(step, post, who, reason, extension hours) the staff take for a case in its state."""
        r, state = self.rng.random(), incident.state
        department = incident.department or "处置部门"
        if state == "reported":
            if r < 0.05:
                return "reject", "intake", self.who("intake"), "重复上报，已并案", None
            if r < 0.15:
                return "send_to_verify", "intake", self.who("intake"), "", None
            return "register", "intake", self.who("intake"), "", None
        if state == "verifying":
            if r < 0.1:
                return "refute", "inspector", self.who("inspector"), "现场核实无此问题", None
            return "confirm", "inspector", self.who("inspector"), "现场核实属实", None
        if state == "registered":
            return "dispatch", "dispatcher", self.who("dispatcher"), "", None
        if state == "dispatched":
            if r < 0.06:
                return "return", "department", department, "不属本部门职责，请重新派遣", None
            if r < 0.09:
                return "request_parking", "department", department, "需纳入年度改造计划", None
            if r < 0.14:
                return "request_extension", "department", department, "需协调相关单位", 4.0
            return "accept", "department", department, "", None
        if state == "in_progress":
            return "finish", "department", department, "已处置完毕", None
        if state == "extension_requested":
            ok = r < 0.7
            return ("approve_extension" if ok else "refuse_extension"), "shift_lead", self.who("shift_lead"), \
                "" if ok else "理由不充分，请按时处置", None
        if state == "park_requested":
            return "approve_parking", "shift_lead", self.who("shift_lead"), "", None
        if r < 0.1:
            return "rework", "inspector", self.who("inspector"), "核查未通过，仍有问题", None
        return "close", "inspector", self.who("inspector"), "", None

    def work(self, now: float | None = None, limit: int = 200) -> int:
        """One round over the open cases; how many steps were taken."""
        now = time.time() if now is None else now
        taken = 0
        for incident in sorted(self.desk.open_cases(limit), key=lambda i: i.id):
            if incident.id in self._neglected or not self.due(incident, now):
                continue
            if incident.state == "dispatched" and self.rng.random() < LEFT_LATE:
                self._neglected.add(incident.id)  # the department never gets to it: it goes late
                continue
            step, post, who, reason, hours = self.step_for(incident)
            department = self.redispatch_to(incident) if step == "dispatch" else None
            try:
                self.desk.take(incident.id, step, post, who, reason,
                               [f"photo-{incident.id}-{step}"] if step == "finish" else [], hours, department)
            except Refused:
                continue  # someone else moved it meanwhile
            taken += 1
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
def working_staff(desk: Desk | None, seed: int, pace: float, every_s: float) -> Iterator[Staff | None]:
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
