"""GET /api/evaluation: the evaluation indicators (考核) of the platform's own cases over a period,
by department, district, town or post (definitions in docs/EVALUATION.md)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from hub.api.deps import CityReaderDep, HubDep
from hub.supervision.evaluation import total
from hub.supervision.platform import evaluate_groups, evaluate_posts, post_totals
from hub.supervision.report import RANK_COLUMNS, gather, write_csv
from hub.supervision.worktime import BEIJING

router = APIRouter(tags=["evaluation"])
DESCRIBED = "YYYY-MM-DD (Beijing midnight) or RFC 3339"
From = Annotated[str | None, Query(alias="from", max_length=40, description=f"dispatched from: {DESCRIBED}")]
To = Annotated[str | None, Query(alias="to", max_length=40, description=f"dispatched and due before: {DESCRIBED}")]


def refused(name: str, reason: str) -> HTTPException:
    """A 422 shaped as FastAPI's own validation errors, as the OpenAPI document declares them."""
    return HTTPException(422, [{"loc": ["query", name], "msg": reason, "type": "value_error"}])


def moment(text: str | None, name: str) -> float | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=BEIJING).timestamp()
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if at.tzinfo is None:
            raise refused(name, f"{name} needs a UTC offset, got {text!r}")
        return at.timestamp()
    except (ValueError, OverflowError):  # OverflowError: a date at the calendar's edge, shifted by its offset
        raise refused(name, f"{name} must be YYYY-MM-DD or an RFC 3339 time, got {text!r}") from None


@router.get("/api/evaluation")
def evaluation(hub: HubDep, _: CityReaderDep, by: Literal["department", "district", "town", "post"] = "department",
               start: From = None, end: To = None) -> dict[str, Any]:
    """Ranked groups: due, closed, handled on time, closed on time, reworked, the rates, score and grade;
    by=post: each person's verifications, checks, registrations, dispatches and their rates."""
    lo, hi = moment(start, "from"), moment(end, "to")
    if lo is not None and hi is not None and lo >= hi:
        raise refused("to", "from must be before to")
    db, weights = hub.incidents.store.db, hub.settings.evaluation_weights
    if by == "post":
        rows = evaluate_posts(db, lo, hi, hub.incidents.duties.stage_limits_h)
        return {"by": by, "from": start, "to": end, "items": rows, "totals": post_totals(rows),
                "columns": POST_COLUMNS}
    rows = evaluate_groups(db, by, lo, hi, weights)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"by": by, "from": start, "to": end, "items": rows, "total": total(rows, weights),
            "columns": [list(c) for c in RANK_COLUMNS]}


POST_COLUMNS = [["post", "岗位"], ["group", "人员"], ["verifications", "核实"],
                ["on_time_verification_rate", "按时核实率"],
                ["checks", "核查"], ["on_time_check_rate", "按时核查率"], ["reports", "上报"],
                ["effective_report_rate", "有效上报率"], ["grid_cases", "网格立案"], ["missed_report_rate", "漏报率"],
                ["registrations", "立案"],
                ["on_time_registration_rate", "按时立案率"], ["dispatches", "派遣"], ["returned", "被回退"],
                ["accurate_dispatch_rate", "准确派遣率"], ["decisions", "审批"]]
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
         "csv": "text/csv; charset=utf-8"}


@router.get("/api/evaluation/report")
def monthly_report(hub: HubDep, _: CityReaderDep,
                   month: Annotated[str | None, Query(pattern=r"^[1-9]\d{3}-(0[1-9]|1[0-2])$",
                                                      description="YYYY-MM; default: this month")] = None,
                   format: Literal["xlsx", "pdf", "csv"] = "xlsx") -> Response:
    """The monthly report (月度考核通报) as `cityhub report` writes it, for download."""
    month = month or datetime.now(BEIJING).strftime("%Y-%m")
    report = gather(hub.incidents.store.db, month, hub.settings.evaluation_weights,
                    hub.incidents.duties.stage_limits_h)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"report.{format}"
        if format == "csv":
            write_csv(report, out)
        elif format == "xlsx":
            from hub.supervision.report_xlsx import write_xlsx

            write_xlsx(report, out)
        else:
            from hub.supervision.report_pdf import write_pdf

            write_pdf(report, out)
        body = out.read_bytes()
    name = f"cityhub-evaluation-{month}.{format}"
    return Response(body, media_type=MEDIA[format], headers={"Content-Disposition": f'attachment; filename="{name}"'})
