"""The shared alarm desk: acknowledge an alarm once for every screen in its area, and read the
acknowledgements of one's own area."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from hub.api.areas import inside
from hub.api.deps import ActorDep, HubDep, ReaderDep, Time, client_address, when

router = APIRouter(prefix="/api/alarms", tags=["people"])


class Ack(BaseModel):
    note: str = Field("", max_length=500, description="what was done or seen, kept with the acknowledgement")


@router.post("/{event_id}/ack")
def ack(event_id: Annotated[str, Path(max_length=200)], body: Ack, request: Request, hub: HubDep,
        who: ActorDep) -> dict[str, Any]:
    """Acknowledge the alarm of an event (by the hub's uid or the CloudEvent id). The first acknowledgement
    stands: it is stored, pushed to every screen in the area (live item kind "ack") and audited."""
    event = hub.store.event(event_id)
    if event is None:
        raise HTTPException(404, f"no event {event_id}")
    inside(who, event.get("hub") or {}, f"event {event_id}")
    done, new = hub.people.alarms.ack(event, who.who, body.note)
    if new:
        hub.people.audit.append(who.who, "alarm.ack", done["uid"], {"note": body.note}, client_address(request))
        hub.live.publish("ack", [dict(done)])
    return done | {"new": new}


@router.get("")
def acks(hub: HubDep, who: ReaderDep, since: Time = None,
         limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> dict[str, Any]:
    """The acknowledgements in the caller's area, newest first."""
    return {"acks": hub.people.alarms.acks(who.area, when(since, "since"), limit)}
