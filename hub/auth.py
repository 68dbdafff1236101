"""Who may do what over HTTP. Two roles, from `settings.operator_token` and `settings.viewer_token`:

- viewer: reads (incidents, OGC features, analysis). With no viewer token configured reads are
  open; with one, a read needs `Authorization: Bearer <viewer or operator token>` (401 without,
  403 with a wrong one).
- operator: also moves incidents through the case flow. With no operator token configured
  nobody may (503 "no operator token configured"); `cityhub demo` sets one and prints it.

Tokens are compared in constant time. Routes get the running hub through `HubDep`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from hub.runtime import Hub
from hub.security import token_matches

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
