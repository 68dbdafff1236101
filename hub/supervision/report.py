"""The monthly report (月度考核通报): what it says, gathered from the platform's case records.

A month is [first day 00:00, next month's first day 00:00) Beijing time. The report holds the
rankings by department and by district (docs/EVALUATION.md), the city's totals, the inspectors'
table (监督员: reports, 有效上报率, 漏报率, 按时核实率, 按时核查率, as the post evaluation and
hub/supervision/inspectors.py define them, with their 合计), and each department's overdue cases
(due and not handled by the deadline) and reworked cases. The writers
(CSV here; XLSX and PDF in report_xlsx.py and report_pdf.py) lay the same content out.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.supervision.evaluation import DEFAULT_WEIGHTS, total
from hub.supervision.platform import evaluate_groups, evaluate_posts, post_totals
from hub.supervision.worktime import BEIJING

if TYPE_CHECKING:
    from hub.incidents.db import Db

RANK_COLUMNS = (("rank", "名次"), ("group", "单位"), ("due", "应结案"), ("closed", "结案"),
                ("handled_on_time", "按时处置"), ("closed_on_time", "按期结案"), ("reworked", "返工"),
                ("closure_rate", "结案率"), ("on_time_closure_rate", "按期结案率"),
                ("on_time_handling_rate", "按时处置率"), ("rework_rate", "返工率"), ("score", "得分"),
                ("grade", "等级"))
INSPECTOR_COLUMNS = (("group", "监督员"), ("reports", "上报数"), ("effective_reports", "有效上报数"),
                     ("effective_report_rate", "有效上报率"), ("grid_cases", "网格立案数"),
                     ("public_cases", "公众举报数"), ("missed_report_rate", "漏报率"), ("verifications", "核实数"),
                     ("on_time_verification_rate", "按时核实率"), ("checks", "核查数"),
                     ("on_time_check_rate", "按时核查率"))
CASE_COLUMNS = (("incident_id", "案卷号"), ("department", "承办单位"), ("category", "类别"),
                ("district_code", "区县"), ("dispatched", "派遣时间"), ("deadline", "处置时限"),
                ("handled", "处置反馈"), ("reworks", "返工次数"))


@dataclass
class MonthlyReport:
    month: str  # YYYY-MM
    start: float
    end: float
    departments: list[dict[str, Any]] = field(default_factory=list)
    districts: list[dict[str, Any]] = field(default_factory=list)
    city: dict[str, Any] = field(default_factory=dict)
    inspectors: list[dict[str, Any]] = field(default_factory=list)  # one row an inspector, then 合计
    overdue: list[dict[str, Any]] = field(default_factory=list)
    reworked: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        year, month = self.month.split("-")
        return f"江门市城市运行管理 {year}年{int(month)}月 考核通报"


def month_bounds(month: str) -> tuple[float, float]:
    try:
        first = datetime.strptime(month, "%Y-%m").replace(tzinfo=BEIJING)
    except ValueError:
        raise ValueError(f"month {month!r} is not YYYY-MM") from None
    after = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first.timestamp(), after.timestamp()


def _when(t: float | None) -> str:
    return "" if t is None else datetime.fromtimestamp(t, BEIJING).strftime("%Y-%m-%d %H:%M")


def _cases(db: Db, start: float, end: float, condition: str) -> list[dict[str, Any]]:
    rows = db.execute("SELECT incident_id, department, category, district_code, dispatched_at, deadline, handled_at,"
                      " reworks FROM case_records WHERE dispatched_at >= ? AND dispatched_at < ? AND parked = 0"
                      f" AND deadline < ? AND ({condition}) ORDER BY department, deadline", (start, end, end))
    return [{"incident_id": r["incident_id"], "department": r["department"] or "未定", "category": r["category"] or "",
             "district_code": r["district_code"] or "", "dispatched": _when(r["dispatched_at"]),
             "deadline": _when(r["deadline"]), "handled": _when(r["handled_at"]), "reworks": r["reworks"]}
            for r in rows]


def inspectors(db: Db, start: float, end: float, stage_limits_h: Mapping[str, float]) -> list[dict[str, Any]]:
    """The inspectors' rows of the post evaluation over [start, end), each with every column's count, and
    their 合计 (the post's totals) last when there is anyone."""
    rows = [r for r in evaluate_posts(db, start, end, stage_limits_h) if r["post"] == "inspector"]
    rows += post_totals(rows)
    counts = [k for k, _ in INSPECTOR_COLUMNS[1:] if not k.endswith("_rate")]
    return [{k: 0 for k in counts} | row for row in rows]


def gather(db: Db, month: str, weights: dict[str, float] | None = None,
           stage_limits_h: Mapping[str, float] | None = None) -> MonthlyReport:
    """The month's report; `stage_limits_h`: the 核实/核查 limits of the responsibility list (default: the
    bundled list's)."""
    if stage_limits_h is None:
        from hub.pipeline.routing import responsibility_list

        stage_limits_h = responsibility_list().stage_limits_h
    start, end = month_bounds(month)
    weights = weights or DEFAULT_WEIGHTS
    report = MonthlyReport(month, start, end)
    report.departments = evaluate_groups(db, "department", start, end, weights)
    report.districts = evaluate_groups(db, "district", start, end, weights)
    for rows in (report.departments, report.districts):
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
    report.city = total(report.departments, weights)
    report.inspectors = inspectors(db, start, end, stage_limits_h)
    report.overdue = _cases(db, start, end, "handled_at IS NULL OR handled_at > deadline")
    report.reworked = _cases(db, start, end, "reworks >= 1")
    return report


def cell(key: str, value: Any) -> Any:
    """A value as the report prints it: rates as percentages, missing values as a dash."""
    if value is None:
        return "—"
    return f"{value:.1%}" if key.endswith("_rate") else value


def write_csv(report: MonthlyReport, path: Path) -> None:
    """One file, sections separated by a blank line, each with its title row and its header (UTF-8 with BOM,
    so spreadsheet programs read the Chinese)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([report.title])
        for name, rows, columns in (("部门排名", report.departments, RANK_COLUMNS),
                                    ("区县排名", report.districts, RANK_COLUMNS),
                                    ("监督员考核", report.inspectors, INSPECTOR_COLUMNS),
                                    ("超期案件", report.overdue, CASE_COLUMNS),
                                    ("返工案件", report.reworked, CASE_COLUMNS)):
            out.writerow([])
            out.writerow([name])
            out.writerow([title for _, title in columns])
            for row in rows:
                out.writerow([cell(k, row.get(k)) for k, _ in columns])
        out.writerow([])
        out.writerow(["全市合计"] + [f"{t}={cell(k, report.city.get(k))}" for k, t in RANK_COLUMNS[2:]])
