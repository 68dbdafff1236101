"""Hydrological telemetry stations (智慧水利 雨量站/水位站/水库, SL 651-2014 ASCII frames)
→ city.water.level and city.water.rainfall.

Frame (ASCII mode): SOH · centre address (2 hex) · station address (10) · password (4) ·
function code (2 hex) · direction+length (4 hex: ``0`` up, 3-digit body length) · STX · body ·
ETX (or ETB) · CRC16 (4 hex; Modbus polynomial 0xA001, register 0xFFFF, over SOH…ETX) · [CR LF].
Body: serial (4) · send time YYMMDDHHmmSS · ``ST`` station · kind code (P rain, H river, K
reservoir, T tide, Z sluice …) · then ``TT`` YYMMDDHHmm groups of element identifier/value
pairs separated by spaces (``PJ`` rain since last report, ``P1`` last hour, ``PT`` running total,
``Z`` river level, ``ZU`` reservoir level, ``Q`` flow, ``VT`` battery volts; others skipped).
Link keep-alive (2F) and test reports (30) are well-formed frames without data: zero events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.base import Adapter, CloudEvent, NativeRejected, checked_device_id, cloudevent, finite, local_time
from adapters.declaration import URBAN, Fleet, Raises

SOH, STX, ETX, ETB = b"\x01", b"\x02", b"\x03", b"\x17"
DATA_FUNCTIONS = {"31", "32", "33", "34", "37"}
NO_DATA_FUNCTIONS = {"2F", "30"}
KINDS = {"H": "river", "K": "reservoir", "T": "tide", "Z": "channel", "D": "channel"}
LEVELS = {"Z": "level_m", "ZU": "level_m", "ZB": "level_m"}
RAIN = {"PJ": "rain_mm", "P1": "rain_1h_mm", "PT": "rain_total_mm"}


def crc16(data: bytes) -> int:
    reg = 0xFFFF
    for byte in data:
        reg ^= byte
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
    return reg


def unframe(raw: bytes) -> tuple[str, str, str]:
    """(station address, function code, body text) of a checked frame."""
    frame = raw.strip(b"\r\n ")
    if frame[:2] == b"\x7e\x7e":
        raise NativeRejected("SL 651 HEX/BCD framing (7E7E) is not read by this adapter; stations here send ASCII")
    if frame[:1] != SOH or len(frame) < 30:
        raise NativeRejected("not an SL 651 ASCII frame: no SOH header")
    end = frame[-5:-4]
    if end not in (ETX, ETB) or frame[23:24] != STX:
        raise NativeRejected("SL 651 frame without STX at 23 or ETX/ETB before the CRC")
    try:
        head = frame[1:23].decode("ascii")
        expected = int(frame[-4:], 16)
        body = frame[24:-5].decode("gb18030")
    except (UnicodeDecodeError, ValueError):
        raise NativeRejected("SL 651 header, body or CRC is not ASCII/hex text") from None
    if crc16(frame[:-4]) != expected:
        raise NativeRejected(f"SL 651 bad CRC: frame says {frame[-4:].decode('ascii')}, "
                             f"data gives {crc16(frame[:-4]):04X}")
    station, function, length = head[2:12], head[16:18].upper(), head[18:22]
    if length[:1] != "0":
        raise NativeRejected("SL 651 downstream frame (centre → station): nothing to map")
    try:
        declared = int(length[1:], 16)
    except ValueError:
        raise NativeRejected(f"SL 651 length field {length!r} is not hex") from None
    if declared != len(frame) - 29:
        raise NativeRejected(f"SL 651 length {declared} does not match the body ({len(frame) - 29} bytes)")
    return checked_device_id(station), function, body


def adapt(raw: bytes) -> list[CloudEvent]:
    station, function, body = unframe(raw)
    if function in NO_DATA_FUNCTIONS:
        return []
    if function not in DATA_FUNCTIONS:
        raise NativeRejected(f"SL 651 function code {function} is not a report this adapter reads")
    tokens = body.split()
    if len(tokens) < 6 or tokens[2] != "ST" or tokens[3] != station:
        raise NativeRejected("SL 651 body does not start with serial, send time and ST <this station>")
    kind = tokens[4]
    groups = observation_groups(tokens[5:])
    if not groups:
        raise NativeRejected("SL 651 report without any TT observation group")
    events: list[CloudEvent] = []
    for when, elements in groups:
        events += group_events(station, kind, when, elements)
    return events


def observation_groups(tokens: list[str]) -> list[tuple[datetime, dict[str, str]]]:
    groups: list[tuple[datetime, dict[str, str]]] = []
    i = 0
    while i < len(tokens):
        if i + 1 >= len(tokens):
            raise NativeRejected(f"SL 651 element {tokens[i]!r} without a value")
        name, value = tokens[i], tokens[i + 1]
        if name == "TT":
            groups.append((local_time(value, "%y%m%d%H%M"), {}))
        elif not groups:
            raise NativeRejected(f"SL 651 element {name!r} before any TT observation time")
        else:
            groups[-1][1][name] = value
        i += 2
    return groups


def group_events(station: str, kind: str, when: datetime, elements: dict[str, str]) -> list[CloudEvent]:
    stamp = f"{station}-{when:%Y%m%d%H%M}"
    events: list[CloudEvent] = []
    level = next((e for e in LEVELS if e in elements), None)
    if level:
        station_kind = "reservoir" if level == "ZU" else KINDS.get(kind, "river")
        data: dict[str, Any] = {"station_id": station, "station_kind": station_kind,
                                "level_m": finite(elements[level], f"SL 651 {level}", -20, 500)}
        if "Q" in elements:
            data["flow_m3s"] = finite(elements["Q"], "SL 651 Q", 0, 1e6)
        events.append(cloudevent(ADAPTER.source(station), "city.water.level", f"{stamp}-level", when, data))
    rain = {field: finite(elements[e], f"SL 651 {e}", 0, 10000) for e, field in RAIN.items() if e in elements}
    if rain:
        rainfall: dict[str, Any] = {"station_id": station, **rain}
        events.append(cloudevent(ADAPTER.source(station), "city.water.rainfall", f"{stamp}-rain", when, rainfall))
    if not events and "VT" not in elements:
        raise NativeRejected(f"SL 651 group at {when:%Y-%m-%d %H:%M} has no level, rainfall or voltage element")
    return events


ADAPTER = Adapter(
    name="water-sl651", domain="water", system="sl651", event_types=("city.water.level", "city.water.rainfall"),
    simulator="water-sl651", framing="lines", adapt=adapt,
    summary="rain, river and reservoir gauges, SL 651-2014 ASCII frames → level, rainfall",
    raises={
        "city.water.level": Raises("事件/1001", severity=1, plan_items=("十一", "七")),  # 江河水位
        "city.water.rainfall": Raises("事件/1002", plan_items=("十一", "七")),  # 降雨量
    },
    fleets=(
        Fleet("rain-gauge", 24,
              URBAN | {"baisha": 1, "taishan_hills": 2, "enping_hills": 1, "kaiping_hills": 1, "heshan_hills": 1},
              "江门市水利局", "{district}{n:04d}", "雨量站{n}号", extra={"station": "P"}),
        Fleet("river-gauge", 10, {"xijiang": 4, "tanjiang_kaiping": 3, "tanjiang_xinhui": 3}, "江门市水利局",
              "{district}{n:04d}", "水位站{n}号", extra={"station": "H"}),
        Fleet("reservoir-gauge", 4,
              {"reservoir_dalongdong": 1, "reservoir_jinjiang": 1, "reservoir_zhenhai": 1, "reservoir_dashahe": 1},
              "江门市水利局", "{district}{n:04d}", "水库水位站{n}号", extra={"station": "K"}),
    ),
)
