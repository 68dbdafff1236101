"""HTTP routes of the standard address grid: locate a point, geocode text, browse addresses, layers.

Handlers read their query parameters as text and answer 400 with a plain reason when one
is malformed (rather than FastAPI's 422 validation document).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from hub.geo import load_city
from hub.geo.crs import normalize_crs
from hub.geo.layers import parse_bbox

router = APIRouter(tags=["grid"])
LAYERS = ("districts", "towns", "communities", "cells")
MAX_LIMIT = 10_000
MAX_TEXT = 200


def _number(name: str, value: str | None, low: float, high: float) -> float:
    if value is None or not value.strip():
        raise HTTPException(400, f"{name} is required")
    try:
        number = float(value)
    except ValueError:
        raise HTTPException(400, f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise HTTPException(400, f"{name} must be between {low} and {high}")
    return number


def _int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise HTTPException(400, f"{name} must be an integer, not {value!r}") from None
    if not low <= number <= high:
        raise HTTPException(400, f"{name} must be between {low} and {high}")
    return number


@router.get("/api/grid/locate")
def locate(lon: str | None = None, lat: str | None = None, crs: str = "wgs84") -> dict[str, Any]:
    """The grid cell, community, town and district of a point, and its nearest standard address."""
    x = _number("lon", lon, -180, 180)
    y = _number("lat", lat, -90, 90)
    try:
        name = normalize_crs(crs)
    except ValueError as err:
        raise HTTPException(400, str(err)) from None
    place = load_city().locate(x, y, name)
    if place is None:
        raise HTTPException(404, f"({x}, {y}) {name} is outside Jiangmen")
    return place


@router.get("/api/geocode")
def geocode(q: str | None = None) -> dict[str, Any]:
    """Address text → standard address with confidence and reason (``matched`` false when none)."""
    if q is None or not q.strip():
        raise HTTPException(400, "q (the address text) is required")
    if len(q) > MAX_TEXT:
        raise HTTPException(400, f"q is longer than {MAX_TEXT} characters")
    return load_city().geocode(q)


@router.get("/api/addresses")
def addresses(request: Request, district: str | None = None, town: str | None = None,
              q: str | None = None, limit: str | None = None, offset: str | None = None) -> dict[str, Any]:
    """Standard addresses of the library, filtered by district/town code and text, paged."""
    size = _int("limit", limit, 100, 1, MAX_LIMIT)
    start = _int("offset", offset, 0, 0, 10**9)
    for name, code, digits in (("district", district, 6), ("town", town, 9)):
        if code and not (code.isdigit() and len(code) == digits):
            raise HTTPException(400, f"{name} must be a {digits}-digit code")
    items = load_city().addresses(district=district or None, town=town or None, q=q or None,
                                  limit=size + 1, offset=start)
    links = []
    if len(items) > size:
        href = str(request.url.include_query_params(offset=start + size, limit=size))
        links.append({"rel": "next", "href": href})
    return {"items": items[:size], "links": links}


@router.get("/api/layers/{layer}")
def layer(layer: str, bbox: str | None = None) -> dict[str, Any]:
    """GeoJSON (WGS84) of districts, towns, communities or cells (cells within ``bbox``)."""
    if layer not in LAYERS:
        raise HTTPException(404, f"no layer {layer!r}; layers: {', '.join(LAYERS)}")
    city = load_city()
    if layer == "cells":
        try:
            box = parse_bbox(bbox) if bbox else None
        except ValueError as err:
            raise HTTPException(400, str(err)) from None
        return city.cells_geojson(box)
    result: dict[str, Any] = getattr(city, f"{layer}_geojson")()
    return result
