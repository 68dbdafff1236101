"""Inspectors' attribution: a patrol-app report's inspector is recorded on the case it opens; their
有效上报率 (reports that became cases) and 漏报率 (public reports registered in their cells over the
cases registered there) come out of the platform's records."""

from __future__ import annotations

from pathlib import Path

from hub.incidents import open_incidents
from hub.supervision.platform import evaluate_posts
from tests.incidents.factory import BAISHA, JIANGHAI, T0, offset, sighting

CELL_A, CELL_B, CELL_C = "440703001001001", "440704001001001", "440703009009009"


def report(inspector: str, point: tuple[float, float], grid: str):  # type: ignore[no-untyped-def]
    return sighting("city.grid.case", {"case_id": f"WG-{inspector}-{point}"}, point=point, grid=grid,
                    alarms=["grid.case.reported"], severity=2, source=f"/jiangmen/grid/patrol/{inspector}")


def test_reports_are_attributed_and_rated_per_inspector(tmp_path: Path) -> None:
    service = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=lambda: T0 + 600)
    try:
        opened = [service.absorb([s])[0].id for s in (
            report("GRD-A", BAISHA, CELL_A), report("GRD-A", offset(BAISHA, 100), CELL_A),  # the same problem twice
            report("GRD-A", offset(BAISHA, 9000, 9000), CELL_C),
            sighting("city.hotline.workorder", {"urgency": "urgent"}, point=offset(BAISHA, -3000, 3000),
                     grid=CELL_A, alarms=["hotline.workorder.urgent"], severity=2),
            report("GRD-B", JIANGHAI, CELL_B))]
        a1, joined, a3, public, b1 = (int(i) for i in opened if i is not None)
        assert joined == a1 and len({a1, a3, public, b1}) == 4  # the repeated report joined the first case
        for case in (a1, public, b1):
            service.transition(case, step="register", post="intake", who="受理员·林")
        service.transition(a3, step="reject", post="intake", who="受理员·林", note="非城管问题")
        record = service.records.get(a1)
        assert record is not None and (record.reporter, record.grid_code, record.source) == ("GRD-A", CELL_A,
                                                                                             "inspector")
        rows = {r["group"]: r for r in evaluate_posts(service.store.db, T0 - 60, T0 + 3600, {})
                if r["post"] == "inspector"}
        a, b = rows["GRD-A"], rows["GRD-B"]
        assert (a["reports"], a["effective_reports"], a["effective_report_rate"]) == (3, 1, 0.3333)
        assert (a["grid_cases"], a["public_cases"], a["missed_report_rate"]) == (2, 1, 0.5)
        assert (b["effective_report_rate"], b["missed_report_rate"]) == (1.0, 0.0)
        later = {r["group"] for r in evaluate_posts(service.store.db, T0 + 3600, T0 + 7200, {})}
        assert "GRD-A" not in later  # reports of another period do not count
    finally:
        service.close()


def test_a_case_table_made_before_attribution_gains_its_columns(tmp_path: Path) -> None:
    from hub.incidents.db import open_db
    from hub.supervision.records import CaseRecord, CaseRecords

    db = open_db(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with db.exclusive():
        db.execute("CREATE TABLE case_records (incident_id BIGINT PRIMARY KEY, category TEXT, department TEXT,"
                   " district_code TEXT, town_code TEXT, source TEXT NOT NULL DEFAULT 'sensor', limit_text TEXT,"
                   " state TEXT NOT NULL, reported_at REAL NOT NULL, registered_at REAL, verify_sent_at REAL,"
                   " verified_at REAL, dispatched_at REAL, handled_at REAL, closed_at REAL, deadline REAL,"
                   " extension_wh REAL NOT NULL DEFAULT 0, requested_wh REAL NOT NULL DEFAULT 0, reworks INTEGER"
                   " NOT NULL DEFAULT 0, returns INTEGER NOT NULL DEFAULT 0, parked INTEGER NOT NULL DEFAULT 0,"
                   " intake TEXT, dispatcher TEXT, inspector TEXT)")
    records = CaseRecords(db)
    with db.exclusive():
        records.put(CaseRecord(1, None, None, "440703", None, "inspector", None, "reported", T0, reporter="GRD-A"))
    assert records.get(1) == CaseRecord(1, None, None, "440703", None, "inspector", None, "reported", T0,
                                        reporter="GRD-A")
    db.close()
