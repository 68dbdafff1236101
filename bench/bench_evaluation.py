"""Evaluation benchmark: one year of cases (≈ 500,000) on the embedded store, then time the ranking.

    .venv/bin/python bench/bench_evaluation.py --cases 500000 --db sqlite:///data/bench/cases.sqlite

Cases are generated with a fixed seed over 2025 (Beijing time): 40 departments in 7 districts and
60 towns, dispatch times in and out of working hours, class limits of 2wh, 4wh, 2wd and 2h,
handling times around the limit (some late), 8 % reworked, 2 % parked, 1 % extended. Deadlines come
from the working-time clock (vectorised) and are bulk-loaded into `case_records`. Then it times
`evaluate_groups` by department, district and town over the year and over one month (median of 5),
and the log evaluator (numpy, in memory) over the same cases. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from typing import Any

import numpy as np
import orjson

from hub.incidents.db import open_db
from hub.supervision.evaluation import Cases, evaluate
from hub.supervision.platform import evaluate_groups
from hub.supervision.records import COLUMNS, CaseRecords
from hub.supervision.worktime import BEIJING, parse_limit, work_clock

LIMITS = [parse_limit(x) for x in ("2wh", "4wh", "2wd", "2h")]


def cases(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, tzinfo=BEIJING).timestamp()
    dispatched = np.sort(start + rng.uniform(0, 365 * 86400, n))
    which = rng.integers(0, len(LIMITS), n)
    limit_s = np.array([x.seconds for x in LIMITS])[which]
    natural = np.array([x.natural for x in LIMITS])[which]
    extension = np.where(rng.random(n) < 0.01, 4.0, 0.0)
    clock = work_clock()
    t0 = time.perf_counter()
    deadline = clock.deadline(dispatched, limit_s, natural, extension)
    deadlines_s = time.perf_counter() - t0
    took = (deadline - dispatched) * rng.uniform(0.2, 1.3, n)
    handled = np.where(rng.random(n) < 0.97, dispatched + took, np.nan)
    closed = np.where(np.isnan(handled) | (rng.random(n) < 0.05), np.nan, handled + rng.uniform(600, 7200, n))
    return {"dispatched": dispatched, "deadline": deadline, "handled": handled, "closed": closed,
            "reworks": (rng.random(n) < 0.08).astype(np.int64), "parked": rng.random(n) < 0.02,
            "department": rng.integers(0, 40, n), "district": rng.integers(0, 7, n), "town": rng.integers(0, 60, n),
            "limit": which, "deadlines_s": deadlines_s}


def load(url: str, c: dict[str, Any]) -> float:
    db = open_db(url)
    CaseRecords(db)
    t0 = time.perf_counter()
    with db.exclusive():
        db.execute("DELETE FROM case_records")
        n = len(c["dispatched"])
        rows = []
        for i in range(n):
            def t(name: str, i: int = i) -> float | None:
                v = float(c[name][i])
                return None if v != v else v
            rows.append([i + 1, "事件/0102", f"部门{int(c['department'][i]):02d}", f"4407{int(c['district'][i]):02d}",
                         f"4407030{int(c['town'][i]):02d}", "inspector", str(LIMITS[int(c['limit'][i])]),
                         "closed", float(c["dispatched"][i]) - 600, None, None, None, float(c["dispatched"][i]),
                         t("handled"), t("closed"), float(c["deadline"][i]), 0.0, 0.0, int(c["reworks"][i]), 0,
                         int(c["parked"][i]), None, None, None, None, None])
        db.executemany(f"INSERT INTO case_records ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                       rows)
    db.close()
    return time.perf_counter() - t0


def timed(fn: Any, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return round(statistics.median(runs), 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=500_000)
    ap.add_argument("--db", default="sqlite:///data/bench/cases.sqlite")
    ap.add_argument("--seed", type=int, default=26)
    args = ap.parse_args()
    c = cases(args.cases, args.seed)
    loaded_s = load(args.db, c)
    db = open_db(args.db)
    year = (datetime(2025, 1, 1, tzinfo=BEIJING).timestamp(), datetime(2026, 1, 1, tzinfo=BEIJING).timestamp())
    march = (datetime(2025, 3, 1, tzinfo=BEIJING).timestamp(), datetime(2025, 4, 1, tzinfo=BEIJING).timestamp())
    result: dict[str, Any] = {"cases": args.cases, "db": args.db.split(":")[0], "load_s": round(loaded_s, 1),
                              "deadlines_s": round(c["deadlines_s"], 3)}
    for by in ("department", "district", "town"):
        result[f"year_by_{by}_s"] = timed(lambda by=by: evaluate_groups(db, by, *year))
    result["month_by_department_s"] = timed(lambda: evaluate_groups(db, "department", *march))
    names = [f"部门{i:02d}" for i in range(40)]
    columns = Cases(c["department"].astype(np.int64), names, c["dispatched"], c["deadline"], c["handled"],
                    c["closed"], c["reworks"], c["parked"])
    result["log_year_by_department_s"] = timed(lambda: evaluate(columns, *year))
    rows = evaluate_groups(db, "department", *year)
    result["due"] = sum(r["due"] for r in rows)
    db.close()
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
