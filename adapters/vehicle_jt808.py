"""Construction-waste trucks (渣土车) on the vehicle-monitoring platform, JT/T 808 terminal messages
→ city.vehicle.position.

Frame: 0x7E · header · body · XOR check · 0x7E, with 0x7E/0x7D escaped as 7D 02 / 7D 01. Header
(big-endian): message id (2), attributes (2: body length in bits 0-9, sub-package bit 13, 2019
version bit 14), [2019: protocol version (1)], terminal phone (BCD: 6 bytes, 2019: 10), serial (2),
[sub-package counts (4)]. Position report 0x0200 and batch upload 0x0704 carry positions: alarm
(4), status (4: bit0 ACC, bit1 fixed, bit2 south, bit3 west, bits 8-9 load 00 empty/01 half/11
full), latitude, longitude (4 each, 1e-6 °, WGS-84), altitude (2, m), speed (2, 0.1 km/h), heading
(2), time (6, BCD YYMMDDhhmmss, Beijing), then extra items (id, length, value; 0x01 mileage in
0.1 km; the city's emergency units add two items of the custom range 0xE0-0xFF: 0xE1 task status,
one byte, ``TASKS``; 0xE2 the incident the unit works for, 4 bytes).
Heartbeats, registration, answers — and reports without a fix — map to nothing.
"""

from __future__ import annotations

import binascii
from datetime import datetime
from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, cloudevent, local_time
from adapters.declaration import CITY_CHENGGUAN, URBAN, Fleet, Raises

HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
LOADS = {0: "empty", 1: "half", 3: "full"}
TASKS = {0: "available", 1: "dispatched", 2: "en-route", 3: "on-scene", 4: "returning", 5: "out-of-service"}
ALARMS = {0: "emergency", 1: "overspeed", 2: "fatigue", 5: "gnss_fault", 19: "overspeed_road",
          20: "fence_in_out", 21: "route_deviation", 27: "illegal_displacement"}


def unescape(raw: bytes) -> bytes:
    frame, compact = raw.strip(), b"".join(raw.split())
    if compact[:2] in (b"7e", b"7E") and all(c in HEX_DIGITS for c in compact):  # hex text, as platforms log frames
        try:
            frame = binascii.unhexlify(compact)
        except (binascii.Error, ValueError):
            raise NativeRejected("hex-text JT/T 808 frame is not valid hex") from None
    if len(frame) < 15 or frame[0] != 0x7E or frame[-1] != 0x7E:
        raise NativeRejected("not a JT/T 808 frame: needs 0x7E … 0x7E and ≥ 15 bytes")
    inner = frame[1:-1]
    if b"\x7e" in inner:
        raise NativeRejected("JT/T 808 frame holds an unescaped 0x7E: two frames run together")
    out, i = bytearray(), 0
    while i < len(inner):
        if inner[i] == 0x7D:
            if i + 1 >= len(inner) or inner[i + 1] not in (1, 2):
                raise NativeRejected("JT/T 808 bad escape sequence after 0x7D")
            out.append(0x7D if inner[i + 1] == 1 else 0x7E)
            i += 2
        else:
            out.append(inner[i])
            i += 1
    return bytes(out)


def unframe(raw: bytes) -> tuple[int, str, int, bytes]:
    """(message id, terminal phone, serial, body) of a checked message."""
    message = unescape(raw)
    check, message = message[-1], message[:-1]
    xor = 0
    for byte in message:
        xor ^= byte
    if xor != check:
        raise NativeRejected(f"JT/T 808 bad check code: frame says {check:02X}, data gives {xor:02X}")
    msg_id, attributes = int.from_bytes(message[0:2], "big"), int.from_bytes(message[2:4], "big")
    phone_at, phone_len = (5, 10) if attributes & (1 << 14) else (4, 6)
    header_len = phone_at + phone_len + 2 + (4 if attributes & (1 << 13) else 0)
    body = message[header_len:]
    if len(body) != attributes & 0x3FF:
        raise NativeRejected(f"JT/T 808 body length {attributes & 0x3FF} does not match the message ({len(body)})")
    phone = message[phone_at:phone_at + phone_len].hex()
    if not phone.isdigit():
        raise NativeRejected(f"JT/T 808 terminal phone {phone} is not BCD")
    serial = int.from_bytes(message[phone_at + phone_len:phone_at + phone_len + 2], "big")
    return msg_id, phone.lstrip("0").rjust(11, "0"), serial, body


def adapt(raw: bytes) -> list[CloudEvent]:
    msg_id, terminal, _serial, body = unframe(raw)
    if msg_id == 0x0200:
        reports = [body]
    elif msg_id == 0x0704:
        reports = batch(body)
    else:
        return []
    return [e for report in reports if (e := position_event(terminal, report)) is not None]


def batch(body: bytes) -> list[bytes]:
    if len(body) < 3:
        raise NativeRejected("JT/T 808 0x0704 batch without its count and type")
    count, at, reports = int.from_bytes(body[0:2], "big"), 3, []
    for _ in range(count):
        size = int.from_bytes(body[at:at + 2], "big")
        reports.append(body[at + 2:at + 2 + size])
        at += 2 + size
    if at != len(body) or any(len(r) < 28 for r in reports):
        raise NativeRejected(f"JT/T 808 0x0704 batch of {count} reports does not fill its body")
    return reports


def bcd_time(raw: bytes) -> datetime:
    return local_time(raw.hex(), "%y%m%d%H%M%S")


def position_event(terminal: str, report: bytes) -> CloudEvent | None:
    if len(report) < 28:
        raise NativeRejected(f"JT/T 808 position report of {len(report)} bytes, needs ≥ 28")
    alarm, status = int.from_bytes(report[0:4], "big"), int.from_bytes(report[4:8], "big")
    if not status & 0b10:
        return None  # no GNSS fix: nothing to put on the map
    lat, lon = int.from_bytes(report[8:12], "big") / 1e6, int.from_bytes(report[12:16], "big") / 1e6
    when = bcd_time(report[22:28])
    data: dict[str, Any] = {
        "vehicle_id": terminal, "speed_kmh": int.from_bytes(report[18:20], "big") / 10,
        "heading_deg": int.from_bytes(report[20:22], "big") % 360, "altitude_m": int.from_bytes(report[16:18], "big"),
        "acc_on": bool(status & 1), "load": LOADS.get((status >> 8) & 3, "unknown"),
        "location": {"lon": -lon if status & 0b1000 else lon, "lat": -lat if status & 0b100 else lat, "crs": "wgs84"},
    }
    alarms = [name for bit, name in ALARMS.items() if alarm & (1 << bit)]
    if alarms:
        data["alarms"] = alarms
    extras = report[28:]
    while len(extras) >= 2:
        item, size = extras[0], extras[1]
        if item == 0x01 and size == 4:
            data["mileage_km"] = int.from_bytes(extras[2:6], "big") / 10
        elif item == 0xE1 and size == 1 and extras[2] in TASKS:
            data["task"] = TASKS[extras[2]]
        elif item == 0xE2 and size == 4:
            data["incident_id"] = int.from_bytes(extras[2:6], "big")
        extras = extras[2 + size:]
    event_id = f"{terminal}-{when:%Y%m%d%H%M%S}"
    return cloudevent(ADAPTER.source(terminal), "city.vehicle.position", event_id, when, data)


ADAPTER = Adapter(
    name="vehicle-jt808", domain="vehicle", system="jt808", event_types=("city.vehicle.position",),
    simulator="vehicle-jt808", framing="document", adapt=adapt,
    summary="construction-waste trucks, JT/T 808 position reports (binary or hex) → city.vehicle.position",
    raises={"city.vehicle.position": Raises("事件/1204", plan_items=("十三",))},  # 渣土运输
    fleets=(Fleet("muck-truck", 40, URBAN, CITY_CHENGGUAN, "139{d2}{n:06d}", "渣土运输车{n}号", "wgs84"),),
)
