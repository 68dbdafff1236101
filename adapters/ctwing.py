"""China Telecom's AIoT platform (CTWing) HTTP push, as NB-IoT city sensors reach the city.

``{"messageType": "dataReport", "IMEI", "deviceId", "productId", "timestamp" (ms), "payload":
{"serviceData": {...}}}`` for object-model products, or ``"payload": {"APPdata": base64(JSON)}``
for transparent ones. Online/offline notices, command answers and event reports of other kinds
carry no reading: `reading` returns None for them.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.base import NativeRejected, checked_device_id, epoch_ms_time, field, json_document


@dataclass(frozen=True, slots=True)
class Reading:
    imei: str
    time: datetime
    values: dict[str, Any]


def reading(raw: bytes) -> Reading | None:
    push = json_document(raw)
    if not isinstance(push, dict):
        raise NativeRejected("CTWing push is not a JSON object")
    if not isinstance(push.get("messageType"), str):
        raise NativeRejected("not a CTWing push: no messageType")
    if push["messageType"] != "dataReport":
        return None
    imei = checked_device_id(field(push, "IMEI", "CTWing dataReport"))
    payload = field(push, "payload", f"CTWing dataReport from {imei}")
    if not isinstance(payload, dict):
        raise NativeRejected(f"CTWing dataReport from {imei}: payload is not an object")
    values = payload.get("serviceData")
    if values is None and isinstance(payload.get("APPdata"), str):
        try:
            values = json.loads(base64.b64decode(payload["APPdata"], validate=True))
        except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
            raise NativeRejected(f"CTWing dataReport from {imei}: APPdata is not base64 JSON") from None
    if not isinstance(values, dict):
        raise NativeRejected(f"CTWing dataReport from {imei}: payload has neither serviceData nor APPdata")
    return Reading(imei, epoch_ms_time(field(push, "timestamp", f"CTWing dataReport from {imei}")), values)
