"""Simulated staff work the cases along the flow, so evaluation has content: cases get registered,
dispatched, handled, closed; some are returned, extended, parked, reworked or left late."""

from __future__ import annotations

from pathlib import Path

from hub.incidents import open_incidents
from hub.supervision.platform import evaluate_groups, evaluate_posts
from simulators.staff import Staff
from tests.incidents.factory import T0, waterlogging


def test_staff_work_forty_cases_to_an_evaluation(tmp_path: Path) -> None:
    now = [T0]
    service = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=lambda: now[0])
    try:
        for n in range(40):  # forty separate floods, far apart
            service.absorb([waterlogging(point=(112.9 + 0.05 * (n % 8), 22.4 + 0.05 * (n // 8)))])
        staff = Staff(service, seed=7)
        steps = 0
        for _ in range(60):
            now[0] += 30
            steps += staff.work(now[0])
        steps_taken = [s["step"] for i in range(1, 41) for s in service.records.steps(i)]
        assert steps == len(steps_taken) > 100
        assert {"register", "dispatch", "accept", "finish", "close"} <= set(steps_taken)
        assert len({"return", "request_extension", "request_parking", "rework", "send_to_verify"}
                   & set(steps_taken)) >= 3
        [row] = evaluate_groups(service.store.db, "department", T0, T0 + 86400 * 3)
        assert row["due"] > 20 and 0 < row["closed"] < row["due"]  # some left unhandled: not every case closes
        posts = {r["post"] for r in evaluate_posts(service.store.db, T0, T0 + 86400, {})}
        assert {"intake", "dispatcher", "inspector"} <= posts
    finally:
        service.close()
