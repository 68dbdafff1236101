"""OGC API – Features (Part 1: Core, GeoJSON) over the hub's layers, so QGIS, ArcGIS or GDAL read them.

Collections: `events` (normalized events, from the store), `incidents`, `grid-cells` (the unit
grid) and `districts`. Items take `bbox` (CRS84), `datetime` (an instant, `a/b`, `../b`, `a/..`)
and `limit`, and page with a `rel: next` link; responses are `application/geo+json`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from shapely.geometry import box, shape

from hub.api.areas import event_filters, incident_filters, inside
from hub.api.deps import (
    MAX_ID,
    RFC3339,
    BboxText,
    Cursor,
    HubDep,
    Limit,
    Offset,
    ReaderDep,
    ViewerDep,
    invalid,
    parse_bbox,
    when,
)
from hub.incidents.views import feature as incident_feature
from hub.runtime import Hub
from hub.store import EventQuery

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])
MOMENT = RFC3339.strip("^$")
DATETIME = f"^({MOMENT}|({MOMENT}|\\.\\.)?/({MOMENT}|\\.\\.)?)$"
Datetime = Annotated[str | None, Query(pattern=DATETIME, max_length=90,
                                       description="an RFC 3339 instant or an interval a/b, ../b, a/.. (with offsets)")]
Fid = Annotated[str, Path(min_length=1, max_length=200, description="the feature's id")]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
JIANGMEN_BBOX = [111.99, 21.43, 113.28, 22.87]
COLLECTIONS = {
    "events": ("城市事件 — normalized events", "Every accepted event, placed on the map and in its grid cell."),
    "incidents": ("事件案卷 — incidents", "Correlated incidents and their state in the case flow."),
    "grid-cells": ("单元网格 — unit grid cells", "The 15-digit unit grid of the standard address grid."),
    "districts": ("行政区 — districts", "Jiangmen's seven districts and county-level cities."),
    "resources": ("应急资源 — response resources", "Response sites (generated) and their units' status."),
}


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


def link(href: str, rel: str, kind: str = "application/json", title: str | None = None) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind} | ({"title": title} if title else {})


def instant(text: str) -> float:
    moment = when(text, "datetime")
    assert moment is not None
    return moment


def parse_datetime(text: str | None) -> tuple[float | None, float | None]:
    """[since, until) in epoch seconds; the interval's end is inclusive in OGC, so until gets a millisecond.
    Each end is RFC 3339 with its offset (as every time the hub reads), or open (`..` or empty)."""
    if not text:
        return None, None
    if "/" not in text:
        at = instant(text)
        return at, at + 0.001
    start, _, end = text.partition("/")
    since = None if start in ("", "..") else instant(start)
    until = None if end in ("", "..") else instant(end) + 0.001
    if since is not None and until is not None and since >= until:
        raise invalid("datetime", "datetime: the interval ends before it starts", text)
    return since, until


def collection(request: Request, cid: str) -> dict[str, Any]:
    title, description = COLLECTIONS[cid]
    base = str(request.base_url).rstrip("/") + f"/ogc/collections/{cid}"
    return {"id": cid, "title": title, "description": description, "itemType": "feature", "crs": [CRS84],
            "extent": {"spatial": {"bbox": [JIANGMEN_BBOX], "crs": CRS84},
                       "temporal": {"interval": [[None, None]]}},
            "links": [link(base, "self"), link(base + "/items", "items", "application/geo+json", title)]}


def known(cid: str) -> None:
    if cid not in COLLECTIONS:
        raise HTTPException(404, f"no collection {cid!r}; collections: {', '.join(COLLECTIONS)}")


@router.get("")
def landing(request: Request, _: ViewerDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return {"title": "CityHub 江门一网统管 — OGC API – Features",
            "description": "Events, incidents and the unit grid of Jiangmen as OGC API – Features.",
            "links": [link(f"{base}/ogc", "self"), link(f"{base}/openapi.json", "service-desc",
                                                         "application/vnd.oai.openapi+json;version=3.0"),
                      link(f"{base}/docs", "service-doc", "text/html"),
                      link(f"{base}/ogc/conformance", "conformance"), link(f"{base}/ogc/collections", "data")]}


@router.get("/conformance")
def conformance(_: ViewerDep) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request, _: ViewerDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + "/ogc/collections"
    return {"links": [link(base, "self")], "collections": [collection(request, c) for c in COLLECTIONS]}


@router.get("/collections/{cid}")
def one_collection(cid: str, request: Request, _: ViewerDep) -> dict[str, Any]:
    known(cid)
    return collection(request, cid)


@router.get("/collections/{cid}/items", response_class=GeoJSONResponse)
def items(cid: str, request: Request, hub: HubDep, who: ReaderDep, bbox: BboxText = None,
          datetime: Datetime = None, limit: Limit = 100, offset: Offset = 0,
          before: Cursor = None) -> GeoJSONResponse:
    known(cid)
    box_, (since, until) = parse_bbox(bbox), parse_datetime(datetime)
    if cid == "events":
        page = hub.store.events(EventQuery(bbox=box_, since=since, until=until, limit=limit, before=before,
                                           **event_filters(who)))
        features = [event_feature(e) for e in page.items]
        matched = (sum(r["count"] for r in hub.store.stats("domain", since, until))  # exact, from the tallies
                   if box_ is None and who.area.whole_city else None)
        following = {"before": page.next_cursor} if page.next_cursor is not None else None
    elif cid == "incidents":
        filters: dict[str, Any] = {"bbox": box_, "since": since, "until": until, **incident_filters(who)}
        found, more = hub.incidents.store.search(**filters, limit=limit, offset=offset)
        features, matched = [incident_feature(i) for i in found], hub.incidents.store.count(**filters)
        following = {"offset": offset + limit} if more else None
    else:
        every = layer(hub, cid, box_)
        features, matched = every[offset:offset + limit], len(every)
        following = {"offset": offset + limit} if offset + limit < len(every) else None
    links = [link(str(request.url), "self", "application/geo+json"),
             link(str(request.base_url).rstrip("/") + f"/ogc/collections/{cid}", "collection")]
    if following:
        links.append(link(str(request.url.include_query_params(**following)), "next", "application/geo+json"))
    body: dict[str, Any] = {"type": "FeatureCollection", "features": features, "numberReturned": len(features),
                            "timeStamp": datetime_now(), "links": links}
    if matched is not None:
        body["numberMatched"] = matched
    return GeoJSONResponse(body)


@router.get("/collections/{cid}/items/{fid}", response_class=GeoJSONResponse)
def item(cid: str, fid: Fid, request: Request, hub: HubDep, who: ReaderDep) -> GeoJSONResponse:
    known(cid)
    found: dict[str, Any] | None = None
    if cid == "events":
        event = hub.store.event(fid)
        found = event_feature({k: v for k, v in event.items() if k != "raw"}) if event else None
    elif cid == "incidents":
        incident = hub.incidents.store.get(int(fid)) if fid.isascii() and fid.isdigit() and int(fid) <= MAX_ID else None
        found = incident_feature(incident) if incident else None
    else:
        found = next((f for f in layer(hub, cid, None) if str(f.get("id")) == fid), None)
    if found is None:
        raise HTTPException(404, f"no feature {fid!r} in {cid}")
    if cid in ("events", "incidents"):
        properties = found.get("properties") or {}
        inside(who, properties.get("hub") or properties, f"feature {fid!r} in {cid}")
    base = str(request.base_url).rstrip("/") + f"/ogc/collections/{cid}"
    found = found | {"links": [link(str(request.url), "self", "application/geo+json"), link(base, "collection")]}
    return GeoJSONResponse(found)


def event_feature(event: dict[str, Any]) -> dict[str, Any]:
    hub = event.get("hub") or {}
    point = {"type": "Point", "coordinates": [hub["lon"], hub["lat"]]} if hub.get("lon") is not None else None
    return {"type": "Feature", "id": hub.get("uid"), "geometry": point, "properties": event}


def layer(hub: Hub, cid: str, bbox: tuple[float, float, float, float] | None) -> list[dict[str, Any]]:
    """Features of a geography layer with an `id`, cut to the bbox."""
    if cid == "resources":
        return hub.command.resource_features(bbox)
    if cid == "grid-cells":
        cells = getattr(hub.geo, "cells_geojson", None)
        features = cells(bbox)["features"] if cells else []
        key = "grid_code"
    else:
        features = hub.geo.districts_geojson()["features"]
        key = "code"
        if bbox is not None:
            area = box(*bbox)
            features = [f for f in features if shapely.intersects(shape(f["geometry"]), area)]
    return [f if "id" in f else f | {"id": f["properties"].get(key) or f["properties"].get("code")}
            for f in features]


def datetime_now() -> str:
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
