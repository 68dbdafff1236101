"""The 12345 government service hotline (12345热线) → city.hotline.workorder.

The hotline platform pushes accepted work orders as JSON, one order or a page of them
(``{"total": n, "rows": [...]}``): order number, acceptance time, channel (电话, 微信, 网站, APP …),
the three-level category path, title, the citizen's own words, the address exactly as the
citizen gave it (free text: the hub's geocoder resolves it to a standard address) and the
urgency. Callers' names and numbers are not carried over.
"""

from __future__ import annotations

from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, field, json_document, local_time, text
from adapters.declaration import Fleet, Raises

URGENCY = {"一般": "normal", "紧急": "urgent", "特急": "critical"}
PLATFORM = "JM12345"


def adapt(raw: bytes) -> list[CloudEvent]:
    doc = json_document(raw)
    orders = doc.get("rows") if isinstance(doc, dict) and "rows" in doc else [doc]
    if not isinstance(orders, list):
        raise NativeRejected("'rows' is not a list of work orders")
    return [order_event(order) for order in orders]


def order_event(order: Any) -> CloudEvent:
    order_id = text(field(order, "orderId", "work order"), "orderId", 64)
    what = f"work order {order_id}"
    when = local_time(text(field(order, "acceptTime", what), "acceptTime", 19))
    address = text(field(order, "address", what), f"{what} address", 200)
    if len(address) < 2:
        raise NativeRejected(f"{what}: address {address!r} too short to place")
    category = [p.strip() for p in str(field(order, "category", what)).split("/") if p.strip()]
    if not category:
        raise NativeRejected(f"{what}: empty category")
    urgency = URGENCY.get(str(order.get("urgency", "一般")))
    if urgency is None:
        raise NativeRejected(f"{what}: urgency {str(order.get('urgency'))[:10]!r} is not 一般/紧急/特急")
    data: dict[str, Any] = {
        "order_id": order_id, "channel": str(order.get("channel") or "电话")[:20], "category": category[:4],
        "title": text(order.get("title") or category[-1], f"{what} title", 100),
        "description": text(field(order, "content", what), f"{what} content", 2000), "urgency": urgency,
        "location": {"address": address},
    }
    return cloudevent(ADAPTER.source(PLATFORM), "city.hotline.workorder", order_id, when, data)


ADAPTER = Adapter(
    name="hotline-12345", domain="hotline", system="12345", event_types=("city.hotline.workorder",),
    simulator="hotline-12345", framing="document", adapt=adapt,
    summary="12345 hotline work orders (JSON, free-text addresses) → city.hotline.workorder",
    raises={"city.hotline.workorder": Raises("事件/1601", severity=1, plan_items=("五", "三十四"))},  # 12345工单
    fleets=(Fleet("hotline-platform", 0, {}, "江门市12345政务服务便民热线", "JM12345", "12345热线平台"),),
)
