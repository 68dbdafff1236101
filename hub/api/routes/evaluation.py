"""GET /api/evaluation: the evaluation indicators (考核) of the platform's own cases over a period,
by department, district, town or post (definitions in docs/EVALUATION.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import CityReaderDep, HubDep
from hub.supervision.evaluation import total
from hub.supervision.platform import evaluate_groups, evaluate_posts
from hub.supervision.worktime import BEIJING

router = APIRouter(tags=["evaluation"])
DESCRIBED = "YYYY-MM-DD (Beijing midnight) or RFC 3339"
From = Annotated[str | None, Query(alias="from", max_length=40, description=f"dispatched from: {DESCRIBED}")]
To = Annotated[str | None, Query(alias="to", max_length=40, description=f"dispatched and due before: {DESCRIBED}")]


def moment(text: str | None, name: str) -> float | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=BEIJING).timestamp()
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(422, f"{name} must be YYYY-MM-DD or an RFC 3339 time, got {text!r}") from None
    if at.tzinfo is None:
        raise HTTPException(422, f"{name} needs a UTC offset, got {text!r}")
    return at.timestamp()


@router.get("/api/evaluation")
def evaluation(hub: HubDep, _: CityReaderDep, by: Literal["department", "district", "town", "post"] = "department",
               start: From = None, end: To = None) -> dict[str, Any]:
    """Ranked groups: due, closed, handled on time, closed on time, reworked, the rates, score and grade;
    by=post: each person's verifications, checks, registrations, dispatches and their rates."""
    lo, hi = moment(start, "from"), moment(end, "to")
    if lo is not None and hi is not None and lo >= hi:
        raise HTTPException(422, "from must be before to")
    db, weights = hub.incidents.store.db, hub.settings.evaluation_weights
    if by == "post":
        rows = evaluate_posts(db, lo, hi, hub.incidents.duties.stage_limits_h)
        return {"by": by, "from": start, "to": end, "items": rows}
    rows = evaluate_groups(db, by, lo, hi, weights)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"by": by, "from": start, "to": end, "items": rows, "total": total(rows, weights)}
