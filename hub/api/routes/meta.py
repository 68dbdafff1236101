"""`GET /api/meta`: what a screen must not hard-code — the case flow (states, each state's next steps, the
words for states and steps), districts, towns, domains and severities. The map page gets the same
document in its bootstrap; other clients (the mobile end, scripts) read it here."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter

from hub.api.deps import HubDep, ViewerDep
from hub.api.mapview import meta as page_meta

router = APIRouter(tags=["meta"])
described = functools.cache(page_meta)  # one document per city: the flow and the names do not change while running


@router.get("/api/meta")
def meta(hub: HubDep, _: ViewerDep) -> dict[str, Any]:
    """The names and the case flow the page renders; the flow is `hub/incidents/flow.py`'s, never a copy."""
    return described(hub.geo)
