"""Joint command over HTTP: the response resources, recommendations, dispatches and surroundings of an incident."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from hub.api.areas import inside
from hub.api.deps import MAX_ID, ActorDep, CityReaderDep, HubDep, IncidentId, ReaderDep
from hub.command.desk import NoPlace, NotRecallable, UnitBusy, UnknownDispatch
from hub.command.dispatch import STATUS_NAMES as DISPATCH_STATUS_NAMES
from hub.command.surroundings import surroundings
from hub.command.units import STATUS_NAMES, STATUSES
from hub.incidents import UnknownIncident
from hub.incidents.views import summary
from hub.people.scopes import Principal
from hub.runtime import Hub

router = APIRouter(tags=["command"])


def _visible(hub: Hub, who: Principal, incident_id: int) -> None:
    """404 for an incident that does not exist or lies outside the caller's area."""
    found = hub.incidents.store.get(incident_id)
    if found is None:
        raise HTTPException(404, f"no incident {incident_id}")
    inside(who, summary(found), f"incident {incident_id}")


DispatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="the dispatch's number")]
District = Annotated[str | None, Query(pattern=r"^\d{6}$", description="6-digit district code")]


class DispatchOrder(BaseModel):
    unit: str = Field(min_length=1, max_length=100, description="the unit id, as in /api/resources")
    note: str = Field("", max_length=2000, description="the dispatcher's note, kept in the incident's history")
    by: str | None = Field(None, max_length=100, description="who, when the operator acts for a named person")


class RecallOrder(BaseModel):
    reason: str = Field(min_length=1, max_length=2000,
                        description="why the unit is called back, kept in the incident's history")
    by: str | None = Field(None, max_length=100, description="who, when the operator acts for a named person")


def _acting(actor: Principal, by: str | None) -> str:
    return f"{actor.who}:{by}" if by and actor.kind != "user" else actor.who


def _changeable(hub: Hub, actor: Principal, incident_id: int) -> None:
    """404 for an incident that does not exist or lies outside the actor's area."""
    case = hub.incidents.store.get(incident_id)
    if case is None or not actor.area.admits(case.district_code, case.town_code, case.department):
        raise HTTPException(404, f"no incident {incident_id}")


@router.get("/api/resources")
def resources(hub: HubDep, _: CityReaderDep, kind: str | None = Query(None, max_length=40), district: District = None,
              status: str | None = Query(None, description=f"unit status: {', '.join(STATUSES)}")) -> dict[str, Any]:
    """Response sites (`kind`: site kind or unit capability) with their units, where they are and what they do."""
    desk = hub.command
    if status is not None and status not in STATUSES:
        raise HTTPException(422, f"status must be one of {', '.join(STATUSES)}")
    known = desk.registry.site_kinds | desk.registry.capabilities
    if kind is not None and kind not in known:
        raise HTTPException(422, f"kind must be one of {', '.join(sorted(known))}")
    now = desk.clock()
    items = []
    for site in desk.registry.sites.values():
        if district is not None and site.district_code != district:
            continue
        units = [u for u in desk.registry.units_of.get(site.id, [])
                 if kind in (None, site.kind, u.capability)]
        views = [{"id": u.id, "call_sign": u.call_sign, "capability": u.capability, "kind": u.kind,
                  "terminal": u.terminal} | desk.board.get(u.id).view(now, desk.board.silent_after_s) for u in units]
        if status is not None:
            views = [v for v in views if v["status"] == status]
        if (kind is not None and kind != site.kind and not views) or (status is not None and not views):
            continue
        items.append(site.view() | {"units": views})
    capability_names = {u.capability: u.kind for u in desk.registry.units.values()}
    return {"items": items, "numberReturned": len(items), "statuses": list(STATUSES), "status_names": STATUS_NAMES,
            "dispatch_status_names": DISPATCH_STATUS_NAMES, "capability_names": capability_names,
            "kinds": sorted(desk.registry.site_kinds), "capabilities": sorted(desk.registry.capabilities)}


@router.get("/api/incidents/{incident_id}/recommendations")
def recommendations(incident_id: IncidentId, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """For each capability of the incident's plan, available units ranked by road travel time; depots with stock."""
    _visible(hub, who, incident_id)
    try:
        return hub.command.recommendations(incident_id)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except NoPlace as err:
        raise HTTPException(409, str(err)) from None


@router.post("/api/incidents/{incident_id}/dispatches", status_code=201)
def dispatch(incident_id: IncidentId, body: DispatchOrder, hub: HubDep, actor: ActorDep) -> dict[str, Any]:
    """Commit a unit to the incident (a step in its history); 409 when the unit is committed elsewhere."""
    _changeable(hub, actor, incident_id)
    try:
        return hub.command.dispatch(incident_id, body.unit, _acting(actor, body.by), body.note)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except KeyError:
        raise HTTPException(422, f"no unit {body.unit}") from None
    except (UnitBusy, NoPlace) as err:
        raise HTTPException(409, str(err)) from None


@router.post("/api/incidents/{incident_id}/dispatches/{dispatch_id}/recall")
def recall(incident_id: IncidentId, dispatch_id: DispatchId, body: RecallOrder, hub: HubDep,
           actor: ActorDep) -> dict[str, Any]:
    """Call a committed unit back before it arrives (撤回/召回): a step in the incident's history with who and
    why; the unit is told on its feed and is free again. 409 once it is on scene, over or recalled already."""
    _changeable(hub, actor, incident_id)
    try:
        return hub.command.recall(incident_id, dispatch_id, _acting(actor, body.by), body.reason)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except UnknownDispatch as err:
        raise HTTPException(404, str(err)) from None
    except NotRecallable as err:
        raise HTTPException(409, str(err)) from None


@router.get("/api/incidents/{incident_id}/surroundings")
def incident_surroundings(incident_id: IncidentId, hub: HubDep, who: ReaderDep,
                          radius: float = Query(500.0, ge=10, le=5000, description="metres around the incident")
                          ) -> dict[str, Any]:
    """Hydrants, hazmat sites, cameras with their latest readings and alerts, warnings in force, shelters
    and hospitals by travel time, other open incidents: what a crew needs on arrival."""
    _visible(hub, who, incident_id)
    try:
        return surroundings(hub, incident_id, radius)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id}") from None
    except NoPlace as err:
        raise HTTPException(409, str(err)) from None


@router.get("/api/dispatches")
def open_dispatches(hub: HubDep, _: CityReaderDep) -> dict[str, Any]:
    """Every open dispatch (dispatched, en route, on scene) with the unit's terminal and the incident's place."""
    return {"items": hub.command.open_dispatches()}


@router.get("/api/incidents/{incident_id}/dispatches")
def dispatches(incident_id: IncidentId, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """The units committed to the incident, with where each is now."""
    _visible(hub, who, incident_id)
    return {"items": hub.command.committed(incident_id)}
