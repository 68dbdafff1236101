"""Sign-in (OAuth2 password flow), sign-out and who the caller is.

`POST /api/auth/token` takes the form fields `username` and `password` and answers a bearer token
that expires (`settings.token_ttl_s`) and can be revoked (`POST /api/auth/logout`, or disabling the
user). Failed sign-ins are limited per user name and per address (429 with Retry-After); every
sign-in and every failure is written to the audit log.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm

from hub.api.deps import CHALLENGE, HubDep, ReaderDep, bearer_token, client_address, reader, reads_open

router = APIRouter(prefix="/api/auth", tags=["people"])


@router.post("/token")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, hub: HubDep) -> dict[str, Any]:
    people, address, name = hub.people, client_address(request), form.username.strip()[:64]
    wait = people.limit.retry_after(name, address)
    if wait is not None:
        people.audit.append(name, "signin.limited", name, {"retry_after_s": math.ceil(wait)}, address)
        raise HTTPException(429, f"too many failed sign-ins; try again in {math.ceil(wait)} s",
                            headers={"Retry-After": str(math.ceil(wait))})
    user = people.users.check_password(name, form.password)
    if user is None:
        people.limit.failed(name, address)
        people.audit.append(name, "signin.failed", name, {}, address)
        raise HTTPException(401, "wrong user name or password, or the user is disabled", headers=CHALLENGE)
    people.limit.succeeded(name)
    issued = people.tokens.issue(user.name, address)
    people.audit.append(user.name, "signin", user.name, {"expires_at": issued.expires_at}, address)
    return {"access_token": issued.token, "token_type": "bearer", "expires_in": int(hub.settings.token_ttl_s),
            "expires_at": issued.expires_at, "user": user.principal().to_dict()}


@router.post("/logout")
def logout(request: Request, hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """Revoke the caller's own sign-in token."""
    offered = bearer_token(request)
    if who.kind != "user" or offered is None:
        raise HTTPException(400, "only a signed-in user signs out; service tokens are changed in the settings")
    hub.people.tokens.revoke(offered)
    hub.people.audit.append(who.who, "signout", who.who, {}, client_address(request))
    return {"revoked": True}


@router.get("/me")
def me(request: Request, hub: HubDep) -> dict[str, Any]:
    """The caller, their area, their work queue's states and whether reads need a sign-in; `user` is null for
    a caller who must still sign in (or give a service token), and `signin` says whether any user exists."""
    try:
        who = reader(request)
    except HTTPException:
        return {"user": None, "queue": {}, "signin_required": True, "signin": hub.people.users.any_active()}
    return {"user": who.to_dict(), "queue": {k: list(v) for k, v in hub.people.duties.queue(who.role).items()},
            "signin_required": not reads_open(hub), "signin": hub.people.users.any_active()}
