"""Incidents over HTTP: the list, one incident with its member events and step history, and the
case-flow transitions an operator makes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.api.areas import incident_filters, inside
from hub.api.deps import ActorDep, Cursor, DistrictCode, HubDep, IncidentId, Limit, ReaderDep, Word, client_address
from hub.incidents import STATES, InvalidTransition, UnknownIncident
from hub.incidents.flow import POSTS, STEP_NAMES, resolve_step
from hub.incidents.views import detail, summary
from hub.people.duties import Refused
from hub.people.scopes import Principal
from hub.runtime import Hub
from hub.supervision.casework import BadDepartment

router = APIRouter(tags=["incidents"])
STATE = f"^({'|'.join(STATES)})$"  # the flow's states (hub/incidents/flow.py), never a copy
State = Annotated[str | None, Query(pattern=STATE, description=f"one of {', '.join(STATES)}")]


# the flow's post of a named user's role; the centre's operators act as `operator` (every step, as
# hub/data/duties.yaml allows their role)
ROLE_POSTS = {"inspector": "inspector", "department": "department"}


class Transition(BaseModel):
    to: str | None = Field(None, pattern=STATE, description=f"the next state: one of {', '.join(STATES)}; 409 "
                           "when the flow does not allow it from the incident's state (see `next_states`)")
    step: str | None = Field(None, max_length=40, description=f"the flow step (needed where two lead to the same "
                                                              f"state): one of {', '.join(STEP_NAMES)}")
    note: str = Field("", max_length=2000, description="why: the operator's note, kept in the history")
    by: str | None = Field(None, max_length=100, description="who, when the operator acts for a named person")
    post: str = Field("operator", pattern=f"^({'|'.join(POSTS)})$",
                      description=f"the post acting, for the machines' token: one of {', '.join(POSTS)}")
    attachments: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        [], max_length=20, description="photo ids, by reference")
    extension_wh: float | None = Field(None, gt=0, le=2000, description="working hours asked for or approved (延期)")
    department: str | None = Field(None, min_length=1, max_length=100, description=(
        "dispatch only: the department it goes to (re-dispatch after 回退); 422 unless one responsible at the "
        "case's place (GET /api/incidents/{id}/departments)"))


def page_links(request: Request, next_cursor: int | None) -> list[dict[str, str]]:
    links = [{"rel": "self", "type": "application/json", "href": str(request.url)}]
    if next_cursor is not None:
        links.append({"rel": "next", "type": "application/json",
                      "href": str(request.url.include_query_params(before=next_cursor))})
    return links


def for_caller(hub: Hub, who: Principal, item: dict[str, Any]) -> dict[str, Any]:
    """An incident item whose `next_states` are those the caller's role may take (hub/data/duties.yaml)."""
    if who.kind != "user":
        return item
    return item | {"next_states": hub.people.duties.allowed(who, _Case(item), list(item.get("next_states") or []))}


class _Case:
    def __init__(self, item: dict[str, Any]) -> None:
        self.state, self.district_code = item["state"], item.get("district_code")
        self.town_code, self.department = item.get("town_code"), item.get("department")


@router.get("/api/incidents")
def incidents(request: Request, hub: HubDep, who: ReaderDep, state: State = None, district: DistrictCode = None,
              department: Word = None, overdue: bool | None = None, limit: Limit = 100,
              before: Cursor = None) -> dict[str, Any]:
    """Incidents, newest first; `links` has `rel: next` while more remain."""
    found, more = hub.incidents.store.search(state=state, **incident_filters(who, district or None, department or None),
                                             overdue=overdue, limit=limit, before=before)
    cursor = found[-1].id if more and found else None
    return {"items": [for_caller(hub, who, summary(i)) for i in found], "numberReturned": len(found),
            "links": page_links(request, cursor)}


@router.get("/api/incidents/{incident_id}")
def incident(incident_id: IncidentId, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    store = hub.incidents.store
    found = store.get(incident_id)
    if found is None:
        raise HTTPException(404, f"no incident {incident_id}")
    inside(who, summary(found), f"incident {incident_id}")
    return for_caller(hub, who, detail(found, store.members(incident_id), store.steps(incident_id)))


@router.get("/api/incidents/{incident_id}/departments")
def departments(incident_id: IncidentId, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """The departments a dispatch of the case may name (responsible at its place), and its own."""
    found = hub.incidents.store.get(incident_id)
    if found is None:
        raise HTTPException(404, f"no incident {incident_id}")
    inside(who, summary(found), f"incident {incident_id}")
    return {"department": found.department, "departments": hub.incidents.departments(found)}


@router.post("/api/incidents/{incident_id}/transitions")
def transition(incident_id: IncidentId, body: Transition, request: Request, hub: HubDep,
               actor: ActorDep) -> dict[str, Any]:
    """Move the incident one step along the case flow: 409 when the flow does not allow the step, 403 with
    the rule of hub/data/duties.yaml when the caller may not take it."""
    who = f"{actor.who}:{body.by}" if body.by and actor.kind != "user" else actor.who
    case = hub.incidents.store.get(incident_id)
    if case is None or not actor.area.admits(case.district_code, case.town_code, case.department):
        raise HTTPException(404, f"no incident {incident_id}")
    post = ROLE_POSTS.get(actor.role, "operator") if actor.kind == "user" else body.post
    try:
        flow_step = resolve_step(case.state, body.to, body.step)
        hub.people.duties.check(actor, case, flow_step.to)
    except InvalidTransition as err:
        raise HTTPException(409, str(err)) from None
    except Refused as refused:
        hub.people.audit.append(who, "case.refused", str(incident_id), refused.to_dict(), client_address(request))
        raise HTTPException(403, refused.to_dict()) from None
    try:
        moved = hub.incidents.transition(incident_id, flow_step.to, body.note, who, step=flow_step.name, post=post,
                                         attachments=body.attachments, extension_wh=body.extension_wh,
                                         department=body.department)
    except BadDepartment as err:
        raise HTTPException(422, str(err)) from None
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except InvalidTransition as err:
        raise HTTPException(409, str(err)) from None
    hub.people.audit.append(who, "case.step", str(incident_id), {"from": case.state, "to": flow_step.to,
                                                                 "step": flow_step.name, "note": body.note},
                            client_address(request))
    store = hub.incidents.store
    return for_caller(hub, actor, detail(moved, store.members(incident_id), store.steps(incident_id)))
