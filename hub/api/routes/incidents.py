"""Incidents over HTTP: the list, one incident with its member events and step history, and the
case-flow transitions an operator makes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.api.deps import HubDep, OperatorDep, ViewerDep
from hub.incidents import STATES, InvalidTransition, UnknownIncident
from hub.incidents.flow import POSTS, STEP_NAMES
from hub.incidents.views import detail, summary

router = APIRouter(tags=["incidents"])
Limit = Annotated[int, Query(ge=1, le=10_000)]


class Transition(BaseModel):
    to: str | None = Field(None, description=f"the next state: one of {', '.join(STATES)}")
    step: str | None = Field(None, description=f"the flow step (needed where two lead to the same state): "
                                               f"one of {', '.join(STEP_NAMES)}")
    note: str = Field("", max_length=2000, description="why: the operator's note, kept in the history")
    by: str | None = Field(None, max_length=100, description="who, when the operator acts for a named person")
    post: str = Field("operator", description=f"the post acting: one of {', '.join(POSTS)}")
    attachments: list[str] = Field([], max_length=20, description="photo ids, by reference")
    extension_wh: float | None = Field(None, gt=0, le=2000, description="working hours asked for or approved (延期)")


def page_links(request: Request, next_cursor: int | None) -> list[dict[str, str]]:
    links = [{"rel": "self", "type": "application/json", "href": str(request.url)}]
    if next_cursor is not None:
        links.append({"rel": "next", "type": "application/json",
                      "href": str(request.url.include_query_params(before=next_cursor))})
    return links


@router.get("/api/incidents")
def incidents(request: Request, hub: HubDep, _: ViewerDep, state: str | None = None, district: str | None = None,
              department: str | None = None, overdue: bool | None = None, limit: Limit = 100,
              before: int | None = None) -> dict[str, Any]:
    """Incidents, newest first; `links` has `rel: next` while more remain."""
    if state is not None and state not in STATES:
        raise HTTPException(400, f"state must be one of {', '.join(STATES)}")
    found, more = hub.incidents.store.search(state=state, district=district, department=department,
                                             overdue=overdue, limit=limit, before=before)
    cursor = found[-1].id if more and found else None
    return {"items": [summary(i) for i in found], "numberReturned": len(found), "links": page_links(request, cursor)}


@router.get("/api/incidents/{incident_id}")
def incident(incident_id: int, hub: HubDep, _: ViewerDep) -> dict[str, Any]:
    store = hub.incidents.store
    found = store.get(incident_id)
    if found is None:
        raise HTTPException(404, f"no incident {incident_id}")
    return detail(found, store.members(incident_id), store.steps(incident_id))


@router.post("/api/incidents/{incident_id}/transitions")
def transition(incident_id: int, body: Transition, hub: HubDep, role: OperatorDep) -> dict[str, Any]:
    """Move the incident one step along the case flow; 409 when the flow does not allow it."""
    who = f"{role}:{body.by}" if body.by else role
    try:
        if body.post not in POSTS:
            raise HTTPException(422, f"post must be one of {', '.join(POSTS)}")
        if any(not a or len(a) > 200 for a in body.attachments):
            raise HTTPException(422, "attachments are photo ids of 1 to 200 characters")
        moved = hub.incidents.transition(incident_id, body.to, body.note, who, step=body.step, post=body.post,
                                         attachments=body.attachments, extension_wh=body.extension_wh)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except InvalidTransition as err:
        raise HTTPException(409, str(err)) from None
    store = hub.incidents.store
    return detail(moved, store.members(incident_id), store.steps(incident_id))
