"""Native wire formats the simulators speak: HJ 212-2017, SL 651-2014 (ASCII), GB 26875-style and
JT/T 808 frames, built byte for byte as the devices build them."""

from __future__ import annotations

from datetime import datetime

from adapters.hj212 import crc16 as hj212_crc
from adapters.water_sl651 import crc16 as sl651_crc


def hj212_frame(st: str, cn: str, mn: str, when: datetime, groups: list[list[tuple[str, str]]],
                password: str = "123456", flag: int = 4) -> bytes:
    """``##`` + length + data segment + CRC + CR LF; `groups` are CP's ``;`` groups of ``key=value`` items."""
    cp = ";".join(",".join(f"{k}={v}" for k, v in group) for group in [[("DataTime", f"{when:%Y%m%d%H%M%S}")],
                                                                         *groups])
    qn = f"{when:%Y%m%d%H%M%S}{when.microsecond // 1000:03d}"
    segment = f"QN={qn};ST={st};CN={cn};PW={password};MN={mn};Flag={flag};CP=&&{cp}&&".encode("ascii")
    return b"##%04d" % len(segment) + segment + b"%04X\r\n" % hj212_crc(segment)


def sl651_frame(station: str, function: str, serial: int, sent: datetime, kind: str,
                groups: list[tuple[datetime, list[tuple[str, str]]]], centre: str = "01",
                password: str = "1234") -> bytes:
    body = f"{serial:04d} {sent:%y%m%d%H%M%S} ST {station} {kind}"
    for observed, elements in groups:
        body += f" TT {observed:%y%m%d%H%M} " + " ".join(f"{k} {v}" for k, v in elements)
    data = body.encode("ascii")
    frame = (b"\x01" + f"{centre}{station}{password}{function}0{len(data):03X}".encode("ascii") + b"\x02" + data
             + b"\x03")
    return frame + b"%04X\r\n" % sl651_crc(frame)


def gb26875_time(when: datetime) -> bytes:
    return bytes((when.second, when.minute, when.hour, when.day, when.month, when.year - 2000))


def gb26875_frame(serial: int, uitd_digits: str, sent: datetime, command: int, data: bytes) -> bytes:
    source = bytes.fromhex(uitd_digits)[::-1]  # BCD, low byte first
    body = (serial.to_bytes(2, "little") + b"\x01\x01" + gb26875_time(sent) + source + bytes(6)
            + len(data).to_bytes(2, "little") + bytes((command,)) + data)
    return b"@@" + body + bytes((sum(body) % 256,)) + b"##"


def gb26875_component(system_type: int, system_addr: int, component_type: int, loop: int, point: int, status: int,
                      description: str, when: datetime) -> bytes:
    text = description.encode("gb18030")[:31].ljust(31, b"\x00")
    return (bytes((system_type, system_addr, component_type)) + point.to_bytes(2, "little") + loop.to_bytes(2, "little")
            + status.to_bytes(2, "little") + text + gb26875_time(when))


def jt808_frame(msg_id: int, phone: str, serial: int, body: bytes) -> bytes:
    message = (msg_id.to_bytes(2, "big") + len(body).to_bytes(2, "big") + bytes.fromhex(phone.rjust(12, "0"))
               + serial.to_bytes(2, "big") + body)
    check = 0
    for byte in message:
        check ^= byte
    escaped = (message + bytes((check,))).replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")
    return b"\x7e" + escaped + b"\x7e"


def jt808_position(alarm: int, status: int, lon: float, lat: float, altitude: int, speed_kmh: float, heading: int,
                   when: datetime, mileage_km: float) -> bytes:
    return (alarm.to_bytes(4, "big") + status.to_bytes(4, "big") + round(lat * 1e6).to_bytes(4, "big")
            + round(lon * 1e6).to_bytes(4, "big") + altitude.to_bytes(2, "big")
            + round(speed_kmh * 10).to_bytes(2, "big")
            + (heading % 360).to_bytes(2, "big") + bytes.fromhex(f"{when:%y%m%d%H%M%S}")
            + b"\x01\x04" + round(mileage_km * 10).to_bytes(4, "big"))
