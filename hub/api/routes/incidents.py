"""Incidents over HTTP: the list, one incident with its member events and step history, and the
case-flow transitions an operator makes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.api.deps import Cursor, DistrictCode, HubDep, IncidentId, Limit, OperatorDep, ViewerDep, Word
from hub.incidents import STATES, InvalidTransition, UnknownIncident
from hub.incidents.views import detail, summary

router = APIRouter(tags=["incidents"])
STATE = f"^({'|'.join(STATES)})$"  # the flow's states (hub/incidents/flow.py), never a copy
State = Annotated[str | None, Query(pattern=STATE, description=f"one of {', '.join(STATES)}")]


class Transition(BaseModel):
    to: str = Field(pattern=STATE, description=f"the next state: one of {', '.join(STATES)}; 409 when the flow "
                                                "does not allow it from the incident's state (see `next_states`)")
    note: str = Field("", max_length=2000, description="why: the operator's note, kept in the history")
    by: str | None = Field(None, max_length=100, description="who, when the operator acts for a named person")


def page_links(request: Request, next_cursor: int | None) -> list[dict[str, str]]:
    links = [{"rel": "self", "type": "application/json", "href": str(request.url)}]
    if next_cursor is not None:
        links.append({"rel": "next", "type": "application/json",
                      "href": str(request.url.include_query_params(before=next_cursor))})
    return links


@router.get("/api/incidents")
def incidents(request: Request, hub: HubDep, _: ViewerDep, state: State = None, district: DistrictCode = None,
              department: Word = None, overdue: bool | None = None, limit: Limit = 100,
              before: Cursor = None) -> dict[str, Any]:
    """Incidents, newest first; `links` has `rel: next` while more remain."""
    found, more = hub.incidents.store.search(state=state, district=district or None, department=department or None,
                                             overdue=overdue, limit=limit, before=before)
    cursor = found[-1].id if more and found else None
    return {"items": [summary(i) for i in found], "numberReturned": len(found), "links": page_links(request, cursor)}


@router.get("/api/incidents/{incident_id}")
def incident(incident_id: IncidentId, hub: HubDep, _: ViewerDep) -> dict[str, Any]:
    store = hub.incidents.store
    found = store.get(incident_id)
    if found is None:
        raise HTTPException(404, f"no incident {incident_id}")
    return detail(found, store.members(incident_id), store.steps(incident_id))


@router.post("/api/incidents/{incident_id}/transitions")
def transition(incident_id: IncidentId, body: Transition, hub: HubDep, role: OperatorDep) -> dict[str, Any]:
    """Move the incident one step along the case flow; 409 when the flow does not allow it."""
    who = f"{role}:{body.by}" if body.by else role
    try:
        moved = hub.incidents.transition(incident_id, body.to, body.note, who)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except InvalidTransition as err:
        raise HTTPException(409, str(err)) from None
    store = hub.incidents.store
    return detail(moved, store.members(incident_id), store.steps(incident_id))
