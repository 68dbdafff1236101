"""Grid inspectors' report indicators (监督员上报考核), one definition for the platform's records and a
city's case log (docs/EVALUATION.md):

- 有效上报率 = effective_reports / reports: of an inspector's reports in the period, those that
  became a case registered (立案); a repeated report of a problem already on file does not;
- 漏报率 = public_cases / grid_cases: of the cases registered in the period in the unit-grid cells
  the inspector reported from, those the public (12345 hotline) reported: problems of their beat
  that the inspector did not report first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

PUBLIC = "public"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def inspector_indicators(reports: Iterable[tuple[str, str | None, bool]],
                         registered: Iterable[tuple[str | None, str]]) -> dict[str, dict[str, Any]]:
    """Per inspector, from `reports` — (inspector, grid cell, became a registered case) per report in the
    period — and `registered` — (grid cell, source) per case registered in the period."""
    counts: dict[str, dict[str, Any]] = defaultdict(lambda: {"reports": 0, "effective_reports": 0})
    cells: dict[str, set[str]] = defaultdict(set)
    for who, cell, effective in reports:
        counts[who]["reports"] += 1
        counts[who]["effective_reports"] += int(effective)
        if cell:
            cells[who].add(cell)
    by_cell: dict[str, list[str]] = defaultdict(list)
    for cell, source in registered:
        if cell:
            by_cell[cell].append(source)
    for who, row in counts.items():
        sources = [s for cell in cells[who] for s in by_cell.get(cell, ())]
        row["grid_cases"], row["public_cases"] = len(sources), sources.count(PUBLIC)
        row.update(report_rates(row))
    return dict(counts)


def report_rates(row: Mapping[str, Any]) -> dict[str, float | None]:
    """有效上报率 and 漏报率 of an inspector's counts (or of several inspectors' counts summed)."""
    return {"effective_report_rate": _rate(row.get("effective_reports", 0), row.get("reports", 0)),
            "missed_report_rate": _rate(row.get("public_cases", 0), row.get("grid_cases", 0))}
