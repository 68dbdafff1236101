"""Notices over HTTP: the outbox with each notice's delivery, the channels' state, the recipients of the
notifications file and their channels (an administrator switches one off or changes its address), and a
signed-in user's own channels (`/api/notifications/me`: they give an e-mail address or a mobile number
and receive what their role and area bring)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from hub.api.deps import MAX_ID, AdminDep, CityReaderDep, HubDep, ReaderDep, Time, client_address, when
from hub.api.routes.incidents import page_links
from hub.incidents.views import iso
from hub.notify.triggers import Recipient, person
from hub.people.scopes import Principal

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
def notifications(request: Request, hub: HubDep, _: CityReaderDep, state: State | None = None,
                  channel: ChannelName | None = None, since: Time = None,
                  incident: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None, limit: Limit = 100,
                  before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict[str, Any]:
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
def recipients(hub: HubDep, _: CityReaderDep,
               id: Annotated[str | None, Query(max_length=100, description="one recipient")] = None) -> dict[str, Any]:
    """Who can be notified (from the notifications file), with their channels and what each carries."""
    book = hub.notifier.book
    chosen = [r for r in book.recipients if id is None or r.id == id]
    if id is not None and not chosen:
        raise HTTPException(404, f"no recipient {id!r} in the notifications file")
    return {"items": [recipient_view(hub, r) for r in chosen],
            "triggers": {t.id: {"name": t.name, "to": list(t.to)} for t in book.triggers.values()}}


@router.put("/api/notifications/recipients/{recipient}/channels/{channel}")
def choose(recipient: str, channel: ChannelName, body: ChannelChoice, hub: HubDep, _: AdminDep) -> dict[str, Any]:
    """Switch one of a recipient's channels on or off, or change its address. Until the platform has
    named users this takes the operator token; then a user changes only their own."""
    found = hub.notifier.book.recipient(recipient)
    if found is None:
        raise HTTPException(404, f"no recipient {recipient!r} in the notifications file")
    if channel not in found.channels:
        raise HTTPException(422, f"{recipient} has no {channel} channel in the notifications file")
    check_address(channel, body.address)
    hub.notifier.choose(recipient, channel, body.enabled, body.address)
    return recipient_view(hub, found)


def check_address(channel: str, address: str | None) -> None:
    if address is not None and channel == "webhook":
        raise HTTPException(422, "a webhook URL is set in the settings (notify_webhooks), not here")
    if address is not None and channel == "sms" and not (address.isdigit() and len(address) == 11):
        raise HTTPException(422, "an SMS address is an 11-digit mobile number")
    if address is not None and channel == "email" and ("@" not in address or " " in address):
        raise HTTPException(422, "an e-mail address is name@domain")


def me(hub: Any, who: Principal) -> Recipient:
    if who.kind != "user":
        raise HTTPException(403, "a signed-in user's own channels: sign in (POST /api/auth/token)")
    preferences = hub.notifier.preferences()
    rid = f"user:{who.name}"
    channels = {c: preferences[(rid, c)][1] or "" for c in ("email", "sms") if (rid, c) in preferences}
    area = who.area
    return person(who.name, who.role, area.department, area.district, area.town, channels)


@router.get("/api/notifications/me")
def my_channels(hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    """The signed-in user's own channels and what each carries to them."""
    return recipient_view(hub, me(hub, who)) | {"may_set": ["email", "sms"], "user": who.to_dict()}


@router.put("/api/notifications/me/channels/{channel}")
def choose_mine(request: Request, channel: Literal["email", "sms"], body: ChannelChoice, hub: HubDep,
                who: ReaderDep) -> dict[str, Any]:
    """Give (or change) the e-mail address or mobile number the user is notified at, or switch it off."""
    mine = me(hub, who)
    if body.enabled and not (body.address or mine.channels.get(channel)):
        raise HTTPException(422, f"give an address to receive notices by {channel}")
    check_address(channel, body.address)
    area = who.area
    recipient = hub.notifier.enrol(who.name, who.role, area.department, area.district, area.town)
    hub.notifier.choose(recipient, channel, body.enabled, body.address or mine.channels.get(channel))
    hub.people.audit.append(who.who, "notifications.channel", recipient, {"channel": channel,
                            "enabled": body.enabled}, client_address(request))
    return recipient_view(hub, me(hub, who)) | {"may_set": ["email", "sms"], "user": who.to_dict()}
