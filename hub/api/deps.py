"""The HTTP dependencies every route goes through: the running hub, the caller's role, and the
query parameters read the same way everywhere (times, bounding boxes).

Two roles, from `settings.operator_token` and `settings.viewer_token`:

- viewer: reads (incidents, OGC features, analysis). With no viewer token configured reads are
  open; with one, a read needs `Authorization: Bearer <viewer or operator token>` (401 without,
  403 with a wrong one).
- operator: also moves incidents through the case flow. With no operator token configured
  nobody may (503 "no operator token configured"); `cityhub demo` sets one and prints it.

Tokens are compared in constant time. Routes get the running hub through `HubDep`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from hub.api.security import token_matches
from hub.runtime import Hub

CHALLENGE = {"WWW-Authenticate": "Bearer"}


def current_hub(request: Request) -> Hub:
    return request.app.state.hub  # type: ignore[no-any-return]


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def settings_of(request: Request) -> Any:
    return current_hub(request).settings


def viewer(request: Request) -> str:
    """The caller's role for a read: "operator" or "viewer"."""
    settings, token = settings_of(request), bearer_token(request)
    if token_matches(token, settings.operator_token):
        return "operator"
    if not settings.viewer_token:
        return "viewer"
    if token is None:
        raise HTTPException(401, "viewer token required (Authorization: Bearer …)", headers=CHALLENGE)
    if token_matches(token, settings.viewer_token):
        return "viewer"
    raise HTTPException(403, "token not accepted", headers=CHALLENGE)


def operator(request: Request) -> str:
    """Only an operator may change incidents."""
    settings, token = settings_of(request), bearer_token(request)
    if not settings.operator_token:
        raise HTTPException(503, "no operator token configured")
    if token is None:
        raise HTTPException(401, "operator token required (Authorization: Bearer …)", headers=CHALLENGE)
    if token_matches(token, settings.operator_token):
        return "operator"
    if token_matches(token, settings.viewer_token):
        raise HTTPException(403, "viewers have read-only access; operator token required")
    raise HTTPException(403, "token not accepted", headers=CHALLENGE)


HubDep = Annotated[Hub, Depends(current_hub)]
ViewerDep = Annotated[str, Depends(viewer)]
OperatorDep = Annotated[str, Depends(operator)]


# Query parameters every route reads the same way: times and bounding boxes.
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
