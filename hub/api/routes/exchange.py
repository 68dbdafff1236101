"""The upward exchange over HTTP: its state, a replay from a date, and the province's 督办 orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import ValidationError

from hub.api.deps import RFC3339, ActorDep, CityReaderDep, HubDep, when
from hub.api.security import redacted
from hub.exchange.orders import Order, OrderRefused, check_signature, take_order
from hub.incidents.views import iso

router = APIRouter(tags=["exchange"])


def report_item(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"created_at": iso(row["created_at"]), "delivered_at": iso(row["delivered_at"]),
                  "replay": bool(row["replay"])}


@router.get("/api/exchange")
def exchange(hub: HubDep, _: CityReaderDep, limit: Annotated[int, Query(ge=0, le=1000)] = 20) -> dict[str, Any]:
    """The link to the province: endpoint, last delivered report, backlog, failures; the latest reports."""
    state = hub.province.state()
    state["endpoint"] = redacted(state["endpoint"]) if state["endpoint"] else None
    for name in ("last_delivered_at", "last_error_at", "next_at", "oldest_waiting"):
        state[name] = iso(state.get(name)) if state.get(name) else None
    return state | {"recent": [report_item(r) for r in hub.province.outbox.search(limit)] if limit else []}


@router.post("/api/exchange/replay")
def replay(hub: HubDep, who: ActorDep,
           since: Annotated[str, Query(pattern=RFC3339, max_length=40, description="RFC 3339 with its offset")]
           ) -> dict[str, Any]:
    """Send every report written since then again, in order (each marked `replay: true`); the city centre's
    operators (or the operator token) only."""
    if who.role not in ("city_operator", "service"):
        raise HTTPException(403, "the city centre's operators replay reports to the province")
    start = when(since, "since")
    assert start is not None
    return {"since": since, "queued": hub.province.outbox.replay(start)}


@router.post("/api/exchange/orders", status_code=200)
async def order(request: Request, hub: HubDep) -> dict[str, Any]:
    """A supervision order (督办) from the province, signed with the shared secret; it becomes a step on
    the named incident and notices to its department."""
    import time

    import anyio

    body = await request.body()
    try:
        check_signature(hub.settings.exchange_secret, request.headers.get("x-cityhub-timestamp"),
                        request.headers.get("x-cityhub-signature"), body, time.time())
        taken = Order.model_validate_json(body)
    except OrderRefused as err:
        raise HTTPException(err.status, err.reason) from None
    except ValidationError as err:
        raise HTTPException(422, [{"loc": e["loc"], "msg": e["msg"]} for e in err.errors()]) from None
    try:
        return await anyio.to_thread.run_sync(take_order, taken, hub.settings.exchange_city, hub.incidents,
                                              hub.notifier)
    except OrderRefused as err:
        raise HTTPException(err.status, err.reason) from None
