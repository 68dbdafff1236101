"""`cityhub evaluate` over a hand-computed case log (tests/fixtures/caselog/october_2025.csv).

The period is 2025-10-09 – 2025-10-20 (Beijing). 市政: c1 on time and closed; c2 dispatched Friday
16:00 with 2wh falls due on the make-up Saturday 09:00, handled Monday: late, closed, reworked; c3
a natural 24h limit handled in time, not closed; c4 falls due Monday 17:00, after the period; c5 is
parked; c6 was dispatched before the period. 城管: c7 due Friday 09:30 with a 4wh extension and
handled at 09:00, closed after the period; c8 (1wd) handled on time, closed, reworked twice; c9
never handled. Lines 11–20 are bad rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.cli import main
from hub.supervision.caselog import read_case_log
from hub.supervision.worktime import work_clock

LOG = Path(__file__).resolve().parents[1] / "fixtures" / "caselog" / "october_2025.csv"
PERIOD = ["--from", "2025-10-09", "--to", "2025-10-20"]
BAD_LINES = {
    11: "source 'drone'", 12: "handled_at is before dispatched_at", 13: "not like 4wh", 14: "no UTC offset",
    15: "repeats", 16: "does not know", 17: "state 'lost'", 18: "limit is empty", 19: "negative",
    20: "more fields",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    status = main(["evaluate", "--cases", str(LOG), *args])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines() if line.startswith("{")], err


def test_each_department_as_computed_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    status, rows, _ = run(capsys, *PERIOD, "--by", "department", "--json")
    assert status == 0
    assert rows == [
        {"department": "市政", "due": 3, "closed": 2, "handled_on_time": 2, "closed_on_time": 1, "reworked": 1,
         "closure_rate": 0.6667, "on_time_closure_rate": 0.3333, "on_time_handling_rate": 0.6667,
         "rework_rate": 0.3333, "score": 53.3, "grade": "D"},
        {"department": "城管", "due": 3, "closed": 1, "handled_on_time": 2, "closed_on_time": 1, "reworked": 1,
         "closure_rate": 0.3333, "on_time_closure_rate": 0.3333, "on_time_handling_rate": 0.6667,
         "rework_rate": 0.5, "score": 45.0, "grade": "D"},
    ]


def test_the_whole_log_and_by_district(capsys: pytest.CaptureFixture[str]) -> None:
    _, (whole,), _ = run(capsys, *PERIOD, "--json")
    assert (whole["due"], whole["closed"], whole["handled_on_time"], whole["closed_on_time"], whole["reworked"]) \
        == (6, 3, 4, 2, 2)
    assert whole["rework_rate"] == 0.4 and whole["score"] == 49.3 and whole["grade"] == "D"
    _, rows, _ = run(capsys, *PERIOD, "--by", "district", "--json")
    assert [(r["district"], r["due"]) for r in rows] == [("440703", 3), ("440704", 3)]


def test_a_later_end_makes_more_cases_due(capsys: pytest.CaptureFixture[str]) -> None:
    _, rows, _ = run(capsys, "--from", "2025-10-09", "--to", "2025-10-22", "--by", "department", "--json")
    city = {r["department"]: r for r in rows}
    assert city["市政"]["due"] == 4  # c4 falls due Monday 17:00 and is never handled
    assert city["城管"]["closed"] == 2 and city["城管"]["closed_on_time"] == 2  # c7 closes on the 21st
    _, rows, _ = run(capsys, "--by", "department", "--json")  # no period: every dispatched case
    assert {r["department"]: r["due"] for r in rows} == {"市政": 5, "城管": 3}


def test_bad_rows_are_reported_by_line_and_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, *PERIOD)
    assert status == 0
    reported = [line for line in err.splitlines() if ": line " in line]
    assert len(reported) == len(BAD_LINES)
    for line, reason in BAD_LINES.items():
        assert any(f": line {line}: " in r and reason in r for r in reported), (line, reported)
    log = read_case_log(LOG, work_clock())
    assert [r.case_id for r in log.rows] == [f"c{i}" for i in range(1, 10)]


def test_a_log_without_the_columns_or_a_file_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "log.csv"
    bad.write_text("case_id,source\nx,public\n", encoding="utf-8")
    assert main(["evaluate", "--cases", str(bad)]) == 1
    assert "line 1: header lacks category" in capsys.readouterr().err
    assert main(["evaluate", "--cases", str(tmp_path / "none.csv")]) == 1
    with pytest.raises(SystemExit) as exited:
        main(["evaluate", "--cases", str(LOG), "--from", "yesterday"])
    assert exited.value.code == 2


def test_the_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "--cases", str(LOG), *PERIOD, "--by", "department"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:3] == ["排名", "部门", "应结案"]
    assert lines[1].split("\t")[:2] == ["1", "市政"] and "66.7%" in lines[1] and lines[1].endswith("53.3\tD")


def test_grades_and_weights() -> None:
    from hub.supervision.evaluation import grade, score_of

    assert [grade(s) for s in (100, 90, 89.9, 75, 60, 40, 39.9, None)] == ["A", "A", "B", "B", "C", "D", "E", None]
    rates = {"closure_rate": 1.0, "on_time_closure_rate": 0.5, "on_time_handling_rate": None, "rework_rate": 0.2}
    assert score_of(rates, {"closure_rate": 1, "on_time_closure_rate": 1}) == 75.0
    assert score_of(rates, {"rework_rate": 1, "on_time_handling_rate": 5}) == 80.0  # a missing rate is left out
    assert score_of({}, {"closure_rate": 1}) is None


def test_inspectors_report_rates_from_a_log_with_reporters(capsys: pytest.CaptureFixture[str]) -> None:
    """GRD-ZHOU reported i1 (registered) and i2 (rejected); his cell also has the public p1. GRD-TAN
    reported i3; his cell has p2 and the sensor's s1 in October (p3 is registered in November)."""
    log = str(LOG.with_name("inspectors.csv"))
    status = main(["evaluate", "--cases", log, "--from", "2025-10-01", "--to", "2025-11-01", "--by", "inspector",
                   "--json"])
    out, err = capsys.readouterr()
    assert status == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"inspector": "GRD-TAN", "reports": 1, "effective_reports": 1, "effective_report_rate": 1.0,
         "grid_cases": 3, "public_cases": 1, "missed_report_rate": 0.3333},
        {"inspector": "GRD-ZHOU", "reports": 2, "effective_reports": 1, "effective_report_rate": 0.5,
         "grid_cases": 2, "public_cases": 1, "missed_report_rate": 0.5},
    ]
    assert "line 9: reporter 'GRD-TAN' on a public row" in err and "line 10: grid_code '4407-04'" in err
