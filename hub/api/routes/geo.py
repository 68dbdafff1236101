"""HTTP routes of the standard address grid: locate a point, geocode text, browse addresses, layers.

Every parameter is one of `hub.api.deps`' types or states its own constraints, so the OpenAPI document
says what the handler accepts; a bad value answers 422 in FastAPI's validation shape. The city comes
from the running hub (`HubDep`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam

from hub.api.deps import BboxText, DistrictCode, HubDep, Limit, Offset, TownCode, parse_bbox
from hub.geo.crs import CRS_WRITTEN, normalize_crs

router = APIRouter(tags=["grid"])
LAYERS = ("districts", "towns", "communities", "cells")
Layer = Annotated[str, PathParam(max_length=40, description=f"one of {', '.join(LAYERS)}; any other is 404")]
MAX_TEXT = 200
Lon = Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False, description="longitude in the given crs")]
Lat = Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False, description="latitude in the given crs")]
Crs = Annotated[str, Query(pattern=f"^({'|'.join(CRS_WRITTEN)})$",
                           description="wgs84, gcj02 or bd09 (or a usual alias: EPSG:4326, gcj-02, baidu …)")]
AddressText = Annotated[str, Query(min_length=1, max_length=MAX_TEXT, pattern=r"\S",
                                   description="the address as written, however messy")]
Filter = Annotated[str | None, Query(max_length=MAX_TEXT, description="text the standard address contains")]


@router.get("/api/grid/locate")
def locate(hub: HubDep, lon: Lon, lat: Lat, crs: Crs = "wgs84") -> dict[str, Any]:
    """The grid cell, community, town and district of a point, and its nearest standard address."""
    name = normalize_crs(crs)
    place = hub.geo.locate(lon, lat, name)
    if place is None:
        raise HTTPException(404, f"({lon}, {lat}) {name} is outside Jiangmen")
    return place


@router.get("/api/geocode")
def geocode(hub: HubDep, q: AddressText) -> dict[str, Any]:
    """Address text → standard address with confidence and reason (``matched`` false when none; a road
    name corrected outside a named district or town comes back only as ``suggestion``)."""
    return hub.geo.geocode(q)


@router.get("/api/addresses")
def addresses(request: Request, hub: HubDep, district: DistrictCode = None, town: TownCode = None,
              q: Filter = None, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    """Standard addresses of the library, filtered by district/town code and text, paged."""
    items = hub.geo.addresses(district=district or None, town=town or None, q=q or None,
                              limit=limit + 1, offset=offset)
    links = []
    if len(items) > limit:
        href = str(request.url.include_query_params(offset=offset + limit, limit=limit))
        links.append({"rel": "next", "href": href})
    return {"items": items[:limit], "links": links}


@router.get("/api/layers/{layer}")
def layer(layer: Layer, hub: HubDep, bbox: BboxText = None) -> dict[str, Any]:
    """GeoJSON (WGS84) of districts, towns, communities or cells (cells within ``bbox``)."""
    if layer not in LAYERS:
        raise HTTPException(404, f"no layer {layer!r}; layers: {', '.join(LAYERS)}")
    if layer == "cells":
        return hub.geo.cells_geojson(parse_bbox(bbox))
    result: dict[str, Any] = getattr(hub.geo, f"{layer}_geojson")()
    return result
