"""HTTP routes of the standard address grid: locate a point, geocode text, browse addresses, layers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from hub.geo import load_city

router = APIRouter(tags=["grid"])
LAYERS = ("districts", "towns", "communities", "cells")


@router.get("/api/grid/locate")
def locate(lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any]:
    if crs not in ("wgs84", "gcj02", "bd09"):
        raise HTTPException(400, "crs must be wgs84, gcj02 or bd09")
    place = load_city().locate(lon, lat, crs)
    if place is None:
        raise HTTPException(404, f"({lon}, {lat}) {crs} is outside Jiangmen")
    return place


@router.get("/api/geocode")
def geocode(q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
    return load_city().geocode(q)


@router.get("/api/addresses")
def addresses(request: Request, district: str | None = None, town: str | None = None, q: str | None = None,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    items = load_city().addresses(district=district, town=town, q=q, limit=limit + 1, offset=offset)
    links = []
    if len(items) > limit:
        links.append({"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit))})
    return {"items": items[:limit], "links": links}


@router.get("/api/layers/{layer}")
def layer(layer: str, bbox: str | None = None) -> dict[str, Any]:
    if layer not in LAYERS:
        raise HTTPException(404, f"no layer {layer!r}; layers: {', '.join(LAYERS)}")
    city = load_city()
    if layer == "cells":
        box = None
        if bbox:
            try:
                box = tuple(float(v) for v in bbox.split(","))
                assert len(box) == 4
            except (ValueError, AssertionError):
                raise HTTPException(400, "bbox must be minlon,minlat,maxlon,maxlat") from None
        return city.cells_geojson(box)
    return getattr(city, f"{layer}_geojson")()
