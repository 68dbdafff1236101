"""The monthly report as PDF: HTML laid out by WeasyPrint, set in Noto Sans CJK (Debian's
fonts-noto-cjk), whose used glyphs WeasyPrint embeds as a subset, so the text stays selectable
and prints the same anywhere. The ranking's chart is inline SVG, drawn as vectors."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from hub.supervision.report import CASE_COLUMNS, INSPECTOR_COLUMNS, RANK_COLUMNS, MonthlyReport, cell
from hub.supervision.worktime import BEIJING

CSS = """
@page { size: A4 landscape; margin: 14mm 12mm;
  @bottom-center { content: "第 " counter(page) " 页"; font-size: 8pt; font-family: "Noto Sans CJK SC", sans-serif; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK", sans-serif; font-size: 9pt; color: #111; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; }
.meta { text-align: center; color: #444; margin-bottom: 5mm; }
h2 { font-size: 12pt; border-left: 3pt solid #1f4e79; padding-left: 2mm; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #888; padding: 1mm 1.5mm; text-align: center; }
th { background: #ddebf7; }
td.name { text-align: left; }
.grade-A { color: #1a7f37; font-weight: bold; } .grade-E, .grade-D { color: #b42318; font-weight: bold; }
.none { color: #666; }
"""


def _table(rows: list[dict[str, Any]], columns: tuple[tuple[str, str], ...]) -> str:
    if not rows:
        return '<p class="none">本月无。</p>'
    head = "".join(f"<th>{escape(name)}</th>" for _, name in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = escape(str(cell(key, row.get(key))))
            css = "name" if key in ("group", "department", "category") else (
                f"grade-{row.get('grade')}" if key == "grade" else "")
            cells.append(f'<td class="{css}">{value}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _chart(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars of the departments' scores (0–100), best first."""
    scored = [r for r in rows if r.get("score") is not None][:25]
    if not scored:
        return ""
    bar_h, label_w, width = 16, 250, 700
    height = bar_h * len(scored) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'font-family="Noto Sans CJK SC" font-size="9">']
    for i, row in enumerate(scored):
        y, w = 4 + i * bar_h, (width - label_w - 60) * float(row["score"]) / 100
        parts.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end">{escape(str(row["group"]))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 5}" fill="#2e75b6"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 11}">{row["score"]} {row["grade"]}</text>')
    for tick in range(0, 101, 20):
        x = label_w + (width - label_w - 60) * tick / 100
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="#666">{tick}</text>')
    parts.append("</svg>")
    return "".join(parts)


def html_of(report: MonthlyReport) -> str:
    city = report.city
    made = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M")
    summary = (f"全市应结案 {city.get('due', 0)} 件，结案 {city.get('closed', 0)} 件，结案率 "
               f"{cell('closure_rate', city.get('closure_rate'))}，按期结案率 "
               f"{cell('on_time_closure_rate', city.get('on_time_closure_rate'))}，按时处置率 "
               f"{cell('on_time_handling_rate', city.get('on_time_handling_rate'))}，返工率 "
               f"{cell('rework_rate', city.get('rework_rate'))}；综合得分 {cell('score', city.get('score'))}。")
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(report.title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{escape(report.title)}</h1>"
            f"<p class='meta'>江门市城市运行管理中心 · 统计期 {report.month} · 生成于 {made}</p>"
            f"<h2>一、总体情况</h2><p>{escape(summary)}</p>"
            f"<h2>二、部门综合排名</h2>{_chart(report.departments)}{_table(report.departments, RANK_COLUMNS)}"
            f"<h2>三、区县排名</h2>{_table(report.districts, RANK_COLUMNS)}"
            f"<h2>四、监督员考核</h2>{_table(report.inspectors, INSPECTOR_COLUMNS)}"
            f"<h2>五、超期案件</h2>{_table(report.overdue, CASE_COLUMNS)}"
            f"<h2>六、返工案件</h2>{_table(report.reworked, CASE_COLUMNS)}"
            "<p class='meta'>指标定义见 docs/EVALUATION.md；处置时限按工作时间计算"
            "（法定节假日及调休按国务院办公厅通知）。</p>"
            "</body></html>")


def write_pdf(report: MonthlyReport, path: Path) -> None:
    from weasyprint import HTML  # heavy: only when a PDF is asked for

    HTML(string=html_of(report)).write_pdf(path)
