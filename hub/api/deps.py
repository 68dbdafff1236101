"""The HTTP dependencies every route goes through: the running hub, who the caller is and what they
may see, and the query parameters read the same way everywhere (times, bounding boxes).

Callers (hub/people, docs/PEOPLE.md):

- a named user signed in through `POST /api/auth/token`: `Authorization: Bearer <their token>`; reads
  are filtered to the user's area (district, town, department) and case steps follow hub/data/duties.yaml.
- the service tokens `settings.operator_token` and `settings.viewer_token`, for machines (adapters,
  bench, scripts, tests): the viewer token reads the whole city; the operator token also moves incidents
  (as the role `service` of duties.yaml). Give them to no person.
- nobody: while no viewer token is configured and no active user exists, reads are open (as in a fresh
  demo); once either exists a read needs a token (401 without, 403 with a wrong service token, 401 with
  an expired or revoked sign-in).

Tokens are compared in constant time. Routes get the running hub through `HubDep`.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from hub.api.security import token_matches
from hub.people.scopes import CITY, OPEN_VIEWER, READ_ONLY, SERVICE_OPERATOR, SERVICE_VIEWER, Principal
from hub.runtime import Hub

CHALLENGE = {"WWW-Authenticate": "Bearer"}


def current_hub(request: Request) -> Hub:
    return request.app.state.hub  # type: ignore[no-any-return]


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def settings_of(request: Request) -> Any:
    return current_hub(request).settings


def principal_of(hub: Hub, token: str | None) -> Principal | None:
    """Whom a token names: a service token, a live sign-in, or nobody (None)."""
    settings = hub.settings
    if token_matches(token, settings.operator_token):
        return Principal("operator", SERVICE_OPERATOR, CITY, "service")
    if token_matches(token, settings.viewer_token):
        return Principal("viewer", SERVICE_VIEWER, CITY, "service")
    return hub.people.principal(token) if token else None


def reads_open(hub: Hub) -> bool:
    """Reads need no token while no viewer token is configured and no active user exists."""
    return not hub.settings.viewer_token and not hub.people.users.any_active()


def live_principal(hub: Hub, scope: Any) -> Principal | None:
    """Who opened a live stream the gate (hub.api.security.WebSocketGate) let in; None when nobody may."""
    from hub.api.security import presented_token

    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
    found = principal_of(hub, presented_token(scope, headers, offered))
    if found is None and reads_open(hub):
        return Principal("anonymous", OPEN_VIEWER, CITY, "open")
    return found


def reader(request: Request) -> Principal:
    """The caller of a read, with the area the read is filtered to."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known  # type: ignore[no-any-return]
    hub, token = current_hub(request), bearer_token(request)
    found = principal_of(hub, token)
    if found is None:
        if reads_open(hub):
            found = Principal("anonymous", OPEN_VIEWER, CITY, "open")
        elif token is None:
            raise HTTPException(401, "sign in (POST /api/auth/token) or a viewer token required "
                                "(Authorization: Bearer …)", headers=CHALLENGE)
        elif hub.settings.viewer_token and not hub.people.users.any_active():
            raise HTTPException(403, "token not accepted", headers=CHALLENGE)
        else:
            raise HTTPException(401, "token not accepted: signed out, expired or unknown; sign in again",
                                headers=CHALLENGE)
    request.state.principal = found
    return found


def viewer(request: Request) -> str:
    """The caller's role for a read (see `reader`)."""
    return reader(request).role


def city_reader(request: Request) -> Principal:
    """A read of city-wide data no area filter fits: only callers who see the whole city."""
    found = reader(request)
    if not found.area.whole_city:
        raise HTTPException(403, f"city-wide data: {found.name} sees {found.area.to_dict()} only")
    return found


def admin(request: Request) -> Principal:
    found = reader(request)
    if found.role not in ("admin", SERVICE_OPERATOR):
        raise HTTPException(403, "administrators only")
    return found


def actor(request: Request) -> Principal:
    """The caller of a change: a named user who is not read-only, or the operator service token. What the
    caller may change is then checked against the duties (hub/data/duties.yaml)."""
    hub, token = current_hub(request), bearer_token(request)
    if not hub.settings.operator_token and not hub.people.users.any_active():
        raise HTTPException(503, "no operator token configured")  # and no user exists
    if token is None:
        raise HTTPException(401, "sign in or operator token required (Authorization: Bearer …)", headers=CHALLENGE)
    found = principal_of(hub, token)
    if found is None:
        raise HTTPException(401 if hub.people.users.any_active() else 403, "token not accepted", headers=CHALLENGE)
    if found.role in READ_ONLY or found.role == "admin":
        raise HTTPException(403, f"{found.role} has read-only access to the city's cases")
    request.state.principal = found
    return found


def operator(request: Request) -> str:
    """Only an operator (a named user who takes steps, or the operator token) may change incidents."""
    return actor(request).role


HubDep = Annotated[Hub, Depends(current_hub)]
ViewerDep = Annotated[str, Depends(viewer)]
OperatorDep = Annotated[str, Depends(operator)]
ReaderDep = Annotated[Principal, Depends(reader)]
CityReaderDep = Annotated[Principal, Depends(city_reader)]
AdminDep = Annotated[Principal, Depends(admin)]
ActorDep = Annotated[Principal, Depends(actor)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


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
