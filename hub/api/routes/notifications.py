"""Notices over HTTP: the outbox with each notice's delivery, the channels' state, the recipients, and
each recipient's own channels (a recipient may switch one off or change its e-mail address or mobile)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.api.deps import HubDep, OperatorDep, ViewerDep, when
from hub.api.routes.incidents import page_links
from hub.incidents.views import iso
from hub.notify.triggers import Recipient

router = APIRouter(tags=["notifications"])
Limit = Annotated[int, Query(ge=1, le=10_000)]
State = Literal["pending", "sent", "failed"]
ChannelName = Literal["email", "sms", "webhook"]


class ChannelChoice(BaseModel):
    enabled: bool = Field(description="whether this recipient gets notices on this channel")
    address: str | None = Field(None, min_length=3, max_length=200,
                                description="another e-mail address or mobile number (not a webhook URL)")


def notice_item(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"created_at": iso(row["created_at"]), "next_at": iso(row["next_at"]),
                  "sent_at": iso(row["sent_at"])}


@router.get("/api/notifications")
def notifications(request: Request, hub: HubDep, _: ViewerDep, state: State | None = None,
                  channel: ChannelName | None = None, since: str | None = None,
                  incident: Annotated[int | None, Query(ge=1)] = None, limit: Limit = 100,
                  before: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    """Notices, newest first, with their delivery state, attempts and last error."""
    outbox = hub.notifier.outbox
    rows = outbox.search(state, channel, when(since, "since"), incident, limit + 1, before)
    cursor = rows[limit - 1]["id"] if len(rows) > limit else None
    return {"items": [notice_item(r) for r in rows[:limit]], "numberReturned": min(len(rows), limit),
            "counts": outbox.counts(), "channels": {"configured": hub.notifier.channels, "state": outbox.channels()},
            "links": page_links(request, cursor)}


def recipient_view(hub: Any, r: Recipient) -> dict[str, Any]:
    preferences = hub.notifier.preferences()
    book = hub.notifier.book
    channels = []
    for channel, address in r.channels.items():
        enabled, changed = preferences.get((r.id, channel), (True, None))
        channels.append({"channel": channel, "address": changed or address, "enabled": enabled,
                         "configured": channel in hub.notifier.channels,
                         "triggers": sorted(t for t in book.triggers if r.takes(t, channel))})
    return {"id": r.id, "name": r.name, "role": r.role, "department": r.department, "district": r.district,
            "town": r.town, "channels": channels}


@router.get("/api/notifications/recipients")
def recipients(hub: HubDep, _: ViewerDep) -> dict[str, Any]:
    """Who can be notified (from the notifications file), with their channels and what each carries."""
    return {"items": [recipient_view(hub, r) for r in hub.notifier.book.recipients],
            "triggers": {t.id: {"name": t.name, "to": list(t.to)} for t in hub.notifier.book.triggers.values()}}


@router.get("/api/notifications/subscriptions/{recipient}")
def subscription(recipient: str, hub: HubDep, _: ViewerDep) -> dict[str, Any]:
    found = hub.notifier.book.recipient(recipient)
    if found is None:
        raise HTTPException(404, f"no recipient {recipient!r} in the notifications file")
    return recipient_view(hub, found)


@router.put("/api/notifications/subscriptions/{recipient}/channels/{channel}")
def choose(recipient: str, channel: ChannelName, body: ChannelChoice, hub: HubDep, _: OperatorDep) -> dict[str, Any]:
    """Switch one of a recipient's channels on or off, or change its address. Until the platform has
    named users this takes the operator token; then a user changes only their own."""
    found = hub.notifier.book.recipient(recipient)
    if found is None:
        raise HTTPException(404, f"no recipient {recipient!r} in the notifications file")
    if channel not in found.channels:
        raise HTTPException(422, f"{recipient} has no {channel} channel in the notifications file")
    if body.address is not None and channel == "webhook":
        raise HTTPException(422, "a webhook URL is set in the settings (notify_webhooks), not here")
    if body.address is not None and channel == "sms" and not (body.address.isdigit() and len(body.address) == 11):
        raise HTTPException(422, "an SMS address is an 11-digit mobile number")
    if body.address is not None and channel == "email" and "@" not in body.address:
        raise HTTPException(422, "an e-mail address has an @")
    hub.notifier.choose(recipient, channel, body.enabled, body.address)
    return recipient_view(hub, found)
