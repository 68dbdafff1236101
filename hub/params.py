"""Query parameters every route reads the same way: times and bounding boxes, refused with a clear 400."""

from __future__ import annotations

from datetime import datetime

from fastapi import HTTPException

Bbox = tuple[float, float, float, float]


def when(text: str | None, name: str) -> float | None:
    """An RFC 3339 time with its UTC offset, as epoch seconds; None when not given."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"{name} must be an RFC 3339 time, got {text!r}") from None
    if moment.tzinfo is None:
        raise HTTPException(400, f"{name} needs a UTC offset, got {text!r}")
    return moment.timestamp()


def parse_bbox(text: str | None) -> Bbox | None:
    """`minlon,minlat,maxlon,maxlat` in WGS84 (CRS84); a 3-D OGC box's heights are dropped."""
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise HTTPException(400, "bbox must be minlon,minlat,maxlon,maxlat (CRS84)") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise HTTPException(400, "bbox must be minlon,minlat,maxlon,maxlat with min ≤ max (CRS84)")
    return (values[0], values[1], values[2], values[3])
