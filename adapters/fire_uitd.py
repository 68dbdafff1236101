"""Fire-alarm panels via user information transmission devices (城市消防远程监控, GB/T 26875.3-style
frames) → city.fire.alarm and city.fire.fault.

Frame: ``@@`` · serial (2, low byte first) · version (2) · time (6: s m h D M Y-2000) · source
address (6) · destination (6) · data length (2, LE) · command (1: 2 send data, 3 confirm, 4
request, 5 answer, 6 deny) · application data · checksum (1: byte sum of serial…data mod 256)
· ``##``. Application data: type (1) · object count (1) · objects. Type 2 (component state) objects
are system type, system address, component type, component address (4: point, loop — LE),
status (2, LE: bit1 fire, bit2 fault, bit3 disabled, bit4 supervisory, bit0 running), description
(31, GB 18030) and time (6); type 1 (system state) objects are system type, system address, status
(2) and time. The UITD's address (BCD) names the device: ``UITD-<12 digits>``. Frames may come as
raw bytes or as the hex text that gateways log; other types and commands carry nothing to map.
"""

from __future__ import annotations

import binascii
from datetime import datetime
from typing import Any

from adapters.base import CHINA_TIME, Adapter, CloudEvent, NativeRejected, cloudevent
from adapters.declaration import URBAN, Fleet, Raises

SYSTEMS = {1: "火灾报警系统", 10: "消防联动控制器", 11: "消火栓系统", 12: "自动喷水灭火系统", 13: "气体灭火系统",
           16: "防排烟系统", 18: "电气火灾监控系统", 19: "可燃气体探测报警系统"}
COMPONENTS = {1: "火灾报警控制器", 10: "可燃气体探测器", 21: "手动火灾报警按钮", 22: "消火栓按钮",
              30: "感温火灾探测器", 31: "点型感温火灾探测器", 40: "感烟火灾探测器", 41: "点型离子感烟火灾探测器",
              42: "点型光电感烟火灾探测器", 50: "复合式感烟感温火灾探测器", 69: "火灾显示盘", 72: "水流指示器",
              73: "压力开关", 74: "信号阀"}
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
FAULTS = {2: "故障", 3: "屏蔽", 4: "监管", 8: "电源故障"}


def from_wire(raw: bytes) -> bytes:
    frame, compact = raw.strip(), b"".join(raw.split())
    if compact[:4] == b"4040" and all(c in HEX_DIGITS for c in compact):  # hex text, as gateways log frames
        try:
            return binascii.unhexlify(compact)
        except (binascii.Error, ValueError):
            raise NativeRejected("hex-text UITD frame is not valid hex") from None
    return frame


def bcd_address(raw: bytes) -> str:
    digits = raw[::-1].hex()
    if not digits.isdigit():
        raise NativeRejected(f"UITD source address {digits} is not BCD")
    return digits


def tag_time(raw: bytes) -> datetime:
    sec, minute, hour, day, month, year = raw
    try:
        return datetime(2000 + year, month, day, hour, minute, sec, tzinfo=CHINA_TIME)
    except ValueError:
        raise NativeRejected(f"UITD time tag {raw.hex()} is not a valid time") from None


def unframe(raw: bytes) -> tuple[int, str, int, bytes]:
    """(serial, UITD address, command, application data) of a checked frame."""
    frame = from_wire(raw)
    if frame[:2] != b"@@" or frame[-2:] != b"##" or len(frame) < 30:
        raise NativeRejected("not a GB 26875 frame: needs '@@' … '##' and ≥ 30 bytes")
    length = int.from_bytes(frame[24:26], "little")
    if len(frame) != 30 + length:
        raise NativeRejected(f"GB 26875 data length {length} does not match the frame ({len(frame) - 30} bytes)")
    if sum(frame[2:27 + length]) % 256 != frame[27 + length]:
        raise NativeRejected(f"GB 26875 bad checksum: frame says {frame[27 + length]:02X}, "
                             f"data gives {sum(frame[2:27 + length]) % 256:02X}")
    return int.from_bytes(frame[2:4], "little"), bcd_address(frame[12:18]), frame[26], frame[27:27 + length]


def adapt(raw: bytes) -> list[CloudEvent]:
    serial, uitd, command, data = unframe(raw)
    if command != 2 or len(data) < 2:
        return []  # confirm, request, answer, deny, control: no state to report
    kind, count = data[0], data[1]
    size = {1: 10, 2: 46}.get(kind)
    if size is None:
        return []  # analogue values, operations, UITD status …: not mapped here
    if len(data) != 2 + count * size:
        raise NativeRejected(f"GB 26875 type {kind}: {count} objects need {2 + count * size} bytes, got {len(data)}")
    objects = [data[2 + i * size:2 + (i + 1) * size] for i in range(count)]
    events: list[CloudEvent] = []
    for number, obj in enumerate(objects):
        events += component_events(uitd, serial, number, obj) if kind == 2 else system_events(uitd, serial, number, obj)
    return events


def component_events(uitd: str, serial: int, number: int, obj: bytes) -> list[CloudEvent]:
    system_type, system_addr, component_type = obj[0], obj[1], obj[2]
    point, loop = int.from_bytes(obj[3:5], "little"), int.from_bytes(obj[5:7], "little")
    status = int.from_bytes(obj[7:9], "little")
    description = obj[9:40].split(b"\x00", 1)[0].decode("gb18030", "replace").strip()
    when = tag_time(obj[40:46])
    base: dict[str, Any] = {"panel_id": f"{uitd}-{system_addr}", "loop": loop, "point": point,
                            "device_kind": COMPONENTS.get(component_type, f"部件类型{component_type}")}
    if description:
        base["building"] = description[:100]
    return state_events(uitd, f"{serial}-{number}", when, base, status, SYSTEMS.get(system_type, "消防设施"))


def system_events(uitd: str, serial: int, number: int, obj: bytes) -> list[CloudEvent]:
    system_type, system_addr, status = obj[0], obj[1], int.from_bytes(obj[2:4], "little")
    base: dict[str, Any] = {"panel_id": f"{uitd}-{system_addr}",
                            "device_kind": SYSTEMS.get(system_type, f"系统类型{system_type}")}
    return state_events(uitd, f"{serial}-{number}", tag_time(obj[4:10]), base, status, base["device_kind"])


def state_events(uitd: str, key: str, when: datetime, base: dict[str, Any], status: int,
                 system: str) -> list[CloudEvent]:
    """A fire bit gives an alarm; fault, disabled, supervisory or power bits a fault; neither: the alarm cleared."""
    source, stamp = ADAPTER.source(f"UITD-{uitd}"), f"{uitd}-{when:%Y%m%d%H%M%S}-{key}"
    faults = [name for bit, name in FAULTS.items() if status & (1 << bit)]
    events: list[CloudEvent] = []
    if status & 0b10 or not faults:
        state = "fire" if status & 0b10 else "cleared"
        events.append(cloudevent(source, "city.fire.alarm", f"{stamp}-{state}", when, base | {"state": state}))
    if faults:
        fault = base | {"fault": "、".join(faults), "system": system}
        events.append(cloudevent(source, "city.fire.fault", f"{stamp}-fault", when, fault))
    return events


ADAPTER = Adapter(
    name="fire-uitd", domain="fire", system="uitd", event_types=("city.fire.alarm", "city.fire.fault"),
    simulator="fire-uitd", framing="document", adapt=adapt,
    summary="fire-alarm panels via user information transmission devices, GB 26875-style frames → alarm, fault",
    raises={
        "city.fire.alarm": Raises("事件/1501", severity=3, plan_items=("十", "七")),  # 火灾报警
        "city.fire.fault": Raises("部件/0152", severity=1, plan_items=("十",)),  # 消防设施故障
    },
    fleets=(Fleet("fire-uitd", 60, URBAN | {"jianghai_park": 3}, "江门市消防救援支队", "UITD-{district}{n:06d}",
        "联网单位{n}号"),),
)
