"""Simulated staff work the cases along the flow, so evaluation has content: cases get registered,
dispatched, handled, closed; some are returned, extended, parked, reworked or handled late."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from hub.incidents import open_incidents
from hub.supervision.evaluation import total
from hub.supervision.platform import evaluate_groups, evaluate_posts
from simulators.staff import Case, ServiceDesk, Staff
from tests.incidents.factory import T0, waterlogging


def test_staff_work_forty_cases_to_an_evaluation(tmp_path: Path) -> None:
    now = [T0]
    service = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=lambda: now[0])
    try:
        for n in range(40):  # forty separate floods, far apart
            service.absorb([waterlogging(point=(112.9 + 0.05 * (n % 8), 22.4 + 0.05 * (n // 8)))])
        staff = Staff(ServiceDesk(service), seed=7)
        steps = 0
        for _ in range(60):
            now[0] += 30
            steps += staff.work(now[0])
        steps_taken = [s["step"] for i in range(1, 41) for s in service.records.steps(i)]
        assert steps == len(steps_taken) > 100
        assert {"register", "dispatch", "accept", "finish", "close"} <= set(steps_taken)
        assert len({"return", "request_extension", "request_parking", "rework", "send_to_verify"}
                   & set(steps_taken)) >= 3
        row = total(evaluate_groups(service.store.db, "department", T0, T0 + 86400 * 3))
        # the cases drawn late are not handled before their 2-hour deadline: not every case closes
        assert row["due"] > 20 and 0 < row["closed"] < row["due"] and row["handled_on_time"] < row["due"]
        posts = {r["post"] for r in evaluate_posts(service.store.db, T0, T0 + 86400, {})}
        assert {"intake", "dispatcher", "inspector"} <= posts
    finally:
        service.close()


class Draws(random.Random):
    """The staff's dice, loaded: random() gives these values in turn; choice() the first item."""

    def __init__(self, *values: float) -> None:
        super().__init__(0)
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)

    def choice(self, seq):  # type: ignore[no-untyped-def]
        return seq[0]


class OneCase:
    """A desk with one case, moved by the steps taken."""

    def __init__(self) -> None:
        self.case = Case(1, "dispatched", 0.0, "蓬江区城市管理和综合执法局")
        self.taken: list[tuple[str, str | None]] = []

    def open_cases(self, limit: int) -> list[Case]:
        return [self.case]

    def take(self, case_id: int, step: str, post: str, who: str, note: str, attachments: Sequence[str],
             extension_wh: float | None, department: str | None) -> None:
        self.taken.append((step, department))
        to = {"return": "registered", "dispatch": "dispatched"}[step]
        self.case = Case(1, to, 0.0, department or self.case.department)

    def departments(self, case_id: int) -> list[str]:
        return ["蓬江区城市管理和综合执法局", "江门市公安局交通警察支队"]


def test_a_returned_case_is_dispatched_to_another_responsible_department() -> None:
    desk = OneCase()
    staff = Staff(desk, pace=0)
    staff.rng = Draws(0.01, 0.5)  # the department's draw: returned; then the dispatcher's
    staff.work(now=1000)
    staff.work(now=2000)
    assert desk.taken == [("return", None), ("dispatch", "江门市公安局交通警察支队")]
