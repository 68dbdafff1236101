"""Events over HTTP: the normalized history as GeoJSON, one event with its raw original, the dead
letters, and the counts by one key. Every parameter is one of `hub.api.deps`' types: FastAPI enforces
what the OpenAPI document states, and what it cannot state answers the same 422."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request

from hub.api.areas import area_columns, event_filters, inside
from hub.api.deps import (
    BboxText,
    CityReaderDep,
    Cursor,
    DistrictCode,
    GridCode,
    HubDep,
    Limit,
    ReaderDep,
    Time,
    Word,
    client_address,
    parse_bbox,
    when,
)
from hub.store import EventQuery, Page
from hub.store.base import STATS_BY

router = APIRouter(tags=["events"])
EventUid = Annotated[str, Path(min_length=1, max_length=200, description="the event's uid (hub.uid)")]


def next_links(request: Request, page: Page, cursor: str = "before") -> list[dict[str, str]]:
    if page.next_cursor is None:
        return []
    href = str(request.url.include_query_params(**{cursor: page.next_cursor}))
    return [{"rel": "next", "type": "application/geo+json", "href": href}]


def feature(event: dict[str, Any]) -> dict[str, Any]:
    hub = event.get("hub") or {}
    point = {"type": "Point", "coordinates": [hub["lon"], hub["lat"]]} if hub.get("lon") is not None else None
    return {"type": "Feature", "id": hub.get("uid"), "geometry": point, "properties": event}


@router.get("/api/events")
def events(request: Request, hub: HubDep, who: ReaderDep, type: Word = None, domain: Word = None,
           district: DistrictCode = None, grid: GridCode = None, bbox: BboxText = None, since: Time = None,
           until: Time = None, limit: Limit = 100, before: Cursor = None) -> dict[str, Any]:
    """Normalized events in the caller's area, newest first, as a GeoJSON FeatureCollection; `links`
    `rel: next` while more remain."""
    area = event_filters(who, district or None, grid or None)
    query = EventQuery(type or None, domain or None, area["district"], area["grid"], parse_bbox(bbox),
                       when(since, "since"), when(until, "until"), limit, before, area["department"])
    page = hub.store.events(query)
    return {"type": "FeatureCollection", "features": [feature(e) for e in page.items],
            "numberReturned": len(page.items), "links": next_links(request, page)}


@router.get("/api/events/{uid}")
def event(uid: EventUid, request: Request, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """One normalized event with its raw original; 404 outside the caller's area. The read is audited."""
    found = hub.store.event(uid)
    if found is None:
        raise HTTPException(404, f"no event {uid}")
    inside(who, found.get("hub") or {}, f"event {uid}")
    hub.people.audit.append(who.who, "event.raw", str((found.get("hub") or {}).get("uid") or uid),
                            address=client_address(request))
    return found


@router.get("/api/deadletters")
def deadletters(request: Request, hub: HubDep, _: CityReaderDep, limit: Limit = 100,
                before: Cursor = None) -> dict[str, Any]:
    """Rejected messages, newest first: raw bytes (base64), reason, where they came from."""
    page = hub.store.deadletters(limit, before)
    return {"items": page.items, "links": next_links(request, page)}


StatsBy = Literal["district", "domain", "type", "grid", "hour", "town", "department", "severity", "day"]
assert set(StatsBy.__args__) == set(STATS_BY)  # type: ignore[attr-defined]


@router.get("/api/stats")
def stats(hub: HubDep, who: ReaderDep, by: StatsBy = "district", since: Time = None) -> dict[str, Any]:
    """Event counts in the caller's area by one key, most first."""
    return {"by": by, "counts": hub.store.stats(by, when(since, "since"), area=area_columns(who))}
