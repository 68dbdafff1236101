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

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

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
