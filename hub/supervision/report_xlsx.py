"""The monthly report as an Excel workbook (openpyxl): one sheet a table, and the ranking's chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from hub.supervision.report import CASE_COLUMNS, INSPECTOR_COLUMNS, RANK_COLUMNS, MonthlyReport

HEAD = PatternFill("solid", fgColor="DDEBF7")
RATE_FORMAT = "0.0%"


def _table(sheet: Worksheet, title: str, rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> None:
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([name for _, name in columns])
    for c in sheet[2]:
        c.font, c.fill, c.alignment = Font(bold=True), HEAD, Alignment(horizontal="center")
    for row in rows:
        sheet.append([row.get(k) for k, _ in columns])
    for i, (key, _) in enumerate(columns, 1):
        letter = sheet.cell(row=2, column=i).column_letter
        sheet.column_dimensions[letter].width = 34 if key in ("group", "department") else 14
        if key.endswith("_rate"):
            for r in range(3, len(rows) + 3):
                sheet.cell(row=r, column=i).number_format = RATE_FORMAT
    sheet.freeze_panes = "A3"


def write_xlsx(report: MonthlyReport, path: Path) -> None:
    book = Workbook()
    ranking = book.active
    assert ranking is not None
    ranking.title = "部门排名"
    _table(ranking, report.title + " · 部门排名", report.departments, RANK_COLUMNS)
    if report.departments:
        chart = BarChart()
        chart.type, chart.title, chart.y_axis.title = "bar", "部门综合得分", "得分"
        score_col = [k for k, _ in RANK_COLUMNS].index("score") + 1
        last = len(report.departments) + 2
        chart.add_data(Reference(ranking, min_col=score_col, min_row=2, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ranking, min_col=2, min_row=3, max_row=last))
        chart.height, chart.width = max(7.5, 0.6 * len(report.departments)), 18
        ranking.add_chart(chart, f"A{last + 3}")
    _table(book.create_sheet("区县排名"), report.title + " · 区县排名", report.districts, RANK_COLUMNS)
    _table(book.create_sheet("监督员考核"), report.title + " · 监督员考核", report.inspectors, INSPECTOR_COLUMNS)
    _table(book.create_sheet("超期案件"), report.title + " · 超期案件", report.overdue, CASE_COLUMNS)
    _table(book.create_sheet("返工案件"), report.title + " · 返工案件", report.reworked, CASE_COLUMNS)
    book.save(path)
