"""The audit log for administrators: who did what, when, from where (hub/people/audit.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.deps import AdminDep, Cursor, HubDep, Time, when

router = APIRouter(tags=["people"])


@router.get("/api/audit")
def audit(hub: HubDep, _: AdminDep, user: Annotated[str | None, Query(max_length=64)] = None,
          action: Annotated[str | None, Query(max_length=64)] = None, since: Time = None,
          until: Time = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
          before: Cursor = None) -> dict[str, Any]:
    """Rows newest first, filtered by user, action and period; `before` pages on by seq."""
    rows = hub.people.audit.search(user, action, when(since, "since"), when(until, "until"), limit, before)
    return {"items": rows, "numberReturned": len(rows)}
