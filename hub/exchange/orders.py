"""Supervision orders (督办) from the province: each arrives as a `supervise` step on the named incident
and as notices to its department and the supervisors, in one transaction; an order id seen before is
acknowledged again and changes nothing. Orders are signed like reports (`X-CityHub-Signature` over
`<timestamp>\\n<body>` with the shared secret) and must be recent (within MAX_SKEW_S)."""

from __future__ import annotations

import hmac
import time
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, Field

from hub.exchange.reports import local_id_of
from hub.incidents.model import Step
from hub.incidents.service import IncidentService
from hub.incidents.views import live_item
from hub.notify.channels.webhook import signature
from hub.notify.service import Notifier, incident_context, local_time

MAX_SKEW_S = 300


class Order(BaseModel):
    """`schemas/exchange/supervision-order.json`"""

    model_config = {"extra": "forbid"}
    order_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    incident: str = Field(pattern=r"^[0-9]{6}-INC-[0-9]+$")
    text: str = Field(min_length=1, max_length=1000)
    due: datetime | None = None
    issued_by: str = Field(min_length=1, max_length=100)
    issued_at: datetime


class OrderRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def check_signature(secret: str, timestamp: str | None, given: str | None, body: bytes, now: float) -> None:
    if not secret:
        raise OrderRefused(503, "no exchange_secret configured: orders cannot be verified")
    if not timestamp or not given:
        raise OrderRefused(401, "X-CityHub-Timestamp and X-CityHub-Signature headers required")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_SKEW_S:
        raise OrderRefused(401, f"timestamp {timestamp!r} is not within {MAX_SKEW_S} s of now")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise OrderRefused(401, "signature does not match")


def take_order(order: Order, city: str, incidents: IncidentService, notifier: Notifier | None) -> dict[str, Any]:
    """Record the order as a step and its notices; {"order_id", "incident", "step": new or not}."""
    local = local_id_of(city, order.incident)
    if local is None:
        raise OrderRefused(404, f"incident {order.incident} is not one of city {city}'s")
    store, now = incidents.store, time.time()
    due = local_time(order.due.timestamp()) if order.due else None
    with store.db.exclusive():
        incident = store.get(local)
        if incident is None:
            raise OrderRefused(404, f"no incident {order.incident}")
        new = store.db.execute("INSERT INTO exchange_orders (order_id, incident_id, body, received_at) VALUES (?,?,?,?)"
                               " ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
                               (order.order_id, local, orjson.dumps(order.model_dump(mode="json")).decode(), now))
        if new:
            note = f"省级督办（{order.issued_by}，督办单 {order.order_id}）：{order.text}"
            note += f"；办理时限 {due}" if due else ""
            store.add_step(Step(local, "supervise", incident.state, incident.state, "province:粤治慧", now, note))
            if notifier is not None:
                context = incident_context(incident, incidents.duties.escalate_to) | {"order": order.text,
                                                                                      "order_due": due}
                notifier.queue("supervision", f"supervision/{order.order_id}", context, local)
    if new and incidents.publish:
        incidents.publish("incident", [live_item(incident)])
    return {"order_id": order.order_id, "incident": order.incident, "accepted": bool(new)}
