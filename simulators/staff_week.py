"""A working week of the simulated city's cases, worked by the simulated staff at pace 1 on a simulated
clock: `python -m simulators.staff_week [--cases N] [--seed S]` prints the evaluation per department.

Cases of five classes (施工扰民, 网格巡查其他, 井盖传感器报警, 停车泊位, 消防设施故障: different limits on
different clocks, different departments) open at random instants of Monday to Friday in 白沙街道 and are
worked until the next Wednesday; the evaluation counts the cases dispatched in those nine days. It shows
what the habits of staff_profiles.yaml give the rankings (docs/EVALUATION.md quotes a run).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from datetime import datetime
from pathlib import Path

from hub.incidents import open_incidents
from hub.incidents.model import Sighting
from hub.supervision.classes import class_table
from hub.supervision.platform import evaluate_groups
from hub.supervision.worktime import BEIJING
from simulators.staff import ServiceDesk, Staff

TYPES = ("city.construction.noise", "city.grid.case", "city.iot.manhole", "city.parking.occupancy",
         "city.fire.fault")
DISTRICT, TOWN = "440703", "440703002"  # 蓬江区白沙街道
MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=BEIJING).timestamp()
ROUND_S = 300.0
SHOWN = ("group", "due", "closed", "handled_on_time", "reworked", "closure_rate", "on_time_handling_rate",
         "rework_rate", "score", "grade")


def case(n: int, event_type: str, at: float) -> Sighting:
    """The n-th case: an alarmed sighting of the type, routed to its class's department at the place."""
    department = class_table().of_case(None, event_type)
    assert department is not None
    return Sighting(f"week-{n}", f"/jiangmen/sim/week/CASE-{n}", event_type, at, 113.0 + 0.01 * (n % 30),
                    22.5 + 0.01 * (n // 30), None, DISTRICT, "蓬江区", TOWN, "白沙街道", 2, ["sim.case"],
                    department.department_at(DISTRICT, TOWN), None, event_type)


def week(cases: int, seed: int, path: Path) -> list[dict[str, object]]:
    now = [MONDAY]
    service = open_incidents(f"sqlite:///{path}", clock=lambda: now[0])
    try:
        rng = random.Random(seed)
        opens = sorted(MONDAY + rng.uniform(0, 4.5 * 86400) for _ in range(cases))
        staff, n = Staff(ServiceDesk(service), seed=seed, pace=1.0), 0
        end = MONDAY + 9 * 86400
        while now[0] < end:
            while n < len(opens) and opens[n] <= now[0]:
                service.absorb([case(n, TYPES[n % len(TYPES)], opens[n])])
                n += 1
            staff.work(now[0], limit=10 * cases)
            now[0] += ROUND_S
        return evaluate_groups(service.store.db, "department", MONDAY, end)
    finally:
        service.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=26)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for row in week(args.cases, args.seed, Path(tmp) / "week.sqlite"):
            print(json.dumps({k: row[k] for k in SHOWN}, ensure_ascii=False))


if __name__ == "__main__":
    main()
