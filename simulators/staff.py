"""Simulated staff (模拟坐席与处置人员): they work the hub's open cases along the case flow, so the
demo's and scenarios' evaluation and monthly report have content.

Each round looks at the open cases; a case waits in its state for a delay drawn per step (seconds
of demo time, `pace` scales them), then the staff take the step a real centre would, with
realistic odds: most reports registered, a tenth sent to an inspector to verify (核实) first, a
few rejected; departments return a few wrongly dispatched cases (回退), ask for more time (延期)
or to park a case (挂账); some cases are left unhandled (so they go late); inspectors send a few
back for rework (返工). Names are drawn from small rosters per post. Seeded: the same seed and the
same cases give the same steps.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.incidents import IncidentService
    from hub.incidents.model import Incident

log = logging.getLogger(__name__)
ROSTERS = {"intake": ["受理员·林", "受理员·黄", "受理员·陈"], "dispatcher": ["派遣员·梁", "派遣员·李"],
           "shift_lead": ["值班长·吴"], "inspector": ["监督员·周", "监督员·谭", "监督员·区", "监督员·余"]}
WAIT_S = {"reported": 20, "verifying": 40, "registered": 15, "dispatched": 30, "in_progress": 60,
          "extension_requested": 20, "park_requested": 20, "verified": 30}
LEFT_LATE = 0.12  # share of dispatched cases the department never gets to


class Staff:
    def __init__(self, service: IncidentService, seed: int = 26, pace: float = 1.0) -> None:
        self.service, self.rng, self.pace = service, random.Random(seed), pace
        self._neglected: set[int] = set()

    def who(self, post: str) -> str:
        return self.rng.choice(ROSTERS[post])

    def due(self, incident: Incident, now: float) -> bool:
        wait = WAIT_S.get(incident.state)
        return wait is not None and now - incident.state_since >= wait * self.pace

    def step_for(self, incident: Incident) -> tuple[str, str, str, str, float | None]:
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
        from hub.incidents import InvalidTransition, UnknownIncident

        now = time.time() if now is None else now
        cases, _ = self.service.store.search(open_only=True, limit=limit)
        taken = 0
        for incident in sorted(cases, key=lambda i: i.id or 0):
            if incident.id is None or incident.id in self._neglected or not self.due(incident, now):
                continue
            if incident.state == "dispatched" and self.rng.random() < LEFT_LATE:
                self._neglected.add(incident.id)  # the department never gets to it: it goes late
                continue
            step, post, who, reason, hours = self.step_for(incident)
            try:
                self.service.transition(incident.id, note=reason, who=who, step=step, post=post,
                                        attachments=[f"photo-{incident.id}-{step}"] if step == "finish" else [],
                                        extension_wh=hours)
                taken += 1
            except (InvalidTransition, UnknownIncident):
                continue  # someone else moved it meanwhile
        return taken

    def run(self, stop: threading.Event, every_s: float = 5.0) -> None:
        while not stop.wait(every_s):
            try:
                self.work()
            except Exception:
                log.exception("simulated staff: a round failed; trying again")
