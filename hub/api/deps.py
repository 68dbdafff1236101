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

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError

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


# Query parameters every route reads the same way. Each is one annotated type whose constraints FastAPI
# both enforces and states in the OpenAPI document; what a type cannot state (a time that does not exist,
# a box whose min exceeds its max) the reader refuses with `invalid`: the same 422 and the same body as
# FastAPI's own validation errors, so every bad parameter answers one way.
Bbox = tuple[float, float, float, float]
MAX_ID = 2**63 - 1  # the databases' largest integer key
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$"
NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
BBOX = rf"^{NUMBER}(,{NUMBER}){{3}}(,{NUMBER}){{0,2}}$"

Limit = Annotated[int, Query(ge=1, le=10_000, description="page size")]
Cursor = Annotated[int | None, Query(ge=0, le=MAX_ID, description="the `next` link's cursor")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="items to skip")]
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="the incident's number")]
Time = Annotated[str | None, Query(pattern=RFC3339, max_length=40,
                                   description="RFC 3339 with its UTC offset (Z or ±hh:mm); none is refused")]
BboxText = Annotated[str | None, Query(pattern=BBOX, max_length=200,
                                       description="minlon,minlat,maxlon,maxlat in WGS84 (CRS84), min ≤ max")]
DistrictCode = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="6-digit district code")]
TownCode = Annotated[str | None, Query(pattern=r"^(\d{9})?$", description="9-digit town/street code")]
GridCode = Annotated[str | None, Query(pattern=r"^(\d{15})?$", description="15-digit unit-grid code")]
Word = Annotated[str | None, Query(max_length=100)]  # a free filter value (type, domain, department)


def invalid(name: str, reason: str, value: Any = None, where: str = "query") -> RequestValidationError:
    """A refused parameter, answered as FastAPI answers its own: 422 `{"detail": [{"loc", "msg", "type"}]}`."""
    return RequestValidationError([{"type": "value_error", "loc": (where, name), "msg": reason, "input": value}])


def when(text: str | None, name: str) -> float | None:
    """An RFC 3339 time with its UTC offset, as epoch seconds; None when not given. A time without an
    offset is refused everywhere (never read as local or UTC time): RFC 3339 requires one."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        if moment.tzinfo is None:
            raise invalid(name, f"{name} needs a UTC offset (Z or ±hh:mm), got {text!r}", text)
        return moment.timestamp()
    except (ValueError, OverflowError):
        raise invalid(name, f"{name} must be an RFC 3339 time, got {text!r}", text) from None


def parse_bbox(text: str | None, name: str = "bbox") -> Bbox | None:
    """`minlon,minlat,maxlon,maxlat` in WGS84 (CRS84); a 3-D OGC box's heights are dropped."""
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise invalid(name, f"{name} must be minlon,minlat,maxlon,maxlat (CRS84)", text) from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values) or values[0] > values[2] \
            or values[1] > values[3]:
        raise invalid(name, f"{name} must be minlon,minlat,maxlon,maxlat with min ≤ max (CRS84)", text)
    return (values[0], values[1], values[2], values[3])
