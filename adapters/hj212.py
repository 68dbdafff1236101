"""HJ 212-2017 (污染物在线监控（监测）系统数据传输标准) ASCII frames, read as monitors send them.

A frame is ``##`` + data-segment length (4 decimal digits) + data segment + CRC16 of the data
segment (4 hex digits, the standard's own CRC: register 0xFFFF, ``reg = (reg >> 8) ^ byte``, then
8 shifts with 0xA001) + ``\\r\\n``. The data segment is ``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&``;
inside CP, ``;`` separates groups and ``,`` separates ``code-Field=value`` items of a group.
Data uploads (CN 2011 real-time, 2051 minute, 2061 hour, 2031 day) carry readings; every other
CN (commands, responses, notifications) is a well-formed frame with nothing to map: zero events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.base import NativeRejected, checked_device_id, finite, local_time

DATA_UPLOADS = {"2011": "Rtd", "2051": "Avg", "2061": "Avg", "2031": "Avg"}
INTERVALS = {"2011": "realtime", "2051": "minute", "2061": "hour", "2031": "day"}
FLAGS = {"N": "normal", "F": "stopped", "M": "maintenance", "S": "manual", "D": "fault",
         "C": "calibration", "T": "over_limit", "B": "comm_error"}
MAX_FRAME = 9999 + 12


def crc16(data: bytes) -> int:
    """The CRC of HJ 212-2017 appendix A."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            carry = reg & 1
            reg >>= 1
            if carry:
                reg ^= 0xA001
    return reg


@dataclass(frozen=True, slots=True)
class Reading:
    value: float
    flag: str = "N"
    minimum: float | None = None
    maximum: float | None = None


@dataclass(slots=True)
class Frame:
    header: dict[str, str]
    items: dict[str, str] = field(default_factory=dict)  # CP items, "code-Field" → text

    @property
    def st(self) -> str:
        return self.header.get("ST", "")

    @property
    def cn(self) -> str:
        return self.header.get("CN", "")

    @property
    def mn(self) -> str:
        return checked_device_id(self.header.get("MN", ""))

    @property
    def carries_data(self) -> bool:
        return self.cn in DATA_UPLOADS

    def data_time(self) -> datetime:
        if "DataTime" not in self.items:
            raise NativeRejected(f"HJ 212 CN={self.cn} data upload without DataTime")
        return local_time(self.items["DataTime"], "%Y%m%d%H%M%S")

    def readings(self) -> dict[str, Reading]:
        """Each pollutant's value (Rtd, else Avg) with its flag and, when sent, Min/Max."""
        main = DATA_UPLOADS.get(self.cn, "Rtd")
        codes = {key.split("-", 1)[0] for key in self.items if "-" in key}
        found: dict[str, Reading] = {}
        for code in sorted(codes):
            text = self.items.get(f"{code}-{main}", self.items.get(f"{code}-Rtd", self.items.get(f"{code}-Avg")))
            if text is None:
                continue
            flag = self.items.get(f"{code}-Flag", "N")[:1] or "N"
            low, high = (_optional(self.items.get(f"{code}-{k}"), code) for k in ("Min", "Max"))
            found[code] = Reading(finite(text, f"HJ 212 {code}", -1e9, 1e9), flag, low, high)
        return found


def _optional(text: str | None, code: str) -> float | None:
    return None if text is None or text == "" else finite(text, f"HJ 212 {code}", -1e9, 1e9)


def parse(raw: bytes) -> Frame:
    """One frame (trailing CR LF optional). NativeRejected on any framing, length or CRC error."""
    frame = raw.strip(b"\r\n\x00 ")
    if len(frame) > MAX_FRAME:
        raise NativeRejected(f"HJ 212 frame of {len(frame)} bytes exceeds the standard's maximum")
    if not frame.startswith(b"##") or len(frame) < 10:
        raise NativeRejected("not an HJ 212 frame: no '##' header")
    length_text = frame[2:6]
    if not length_text.isdigit():
        raise NativeRejected(f"HJ 212 length field {length_text!r} is not 4 digits")
    length = int(length_text)
    body, crc_text = frame[6:6 + length], frame[6 + length:]
    if len(body) != length or len(crc_text) != 4:
        raise NativeRejected(f"HJ 212 length {length} does not match the frame ({len(frame) - 10} data bytes)")
    try:
        expected = int(crc_text, 16)
    except ValueError:
        raise NativeRejected(f"HJ 212 CRC field {crc_text!r} is not hex") from None
    if crc16(body) != expected:
        raise NativeRejected(f"HJ 212 bad CRC: frame says {crc_text.decode('ascii', 'replace')}, "
                             f"data gives {crc16(body):04X}")
    try:
        segment = body.decode("ascii")
    except UnicodeDecodeError:
        raise NativeRejected("HJ 212 data segment is not ASCII") from None
    return split_segment(segment)


def split_segment(segment: str) -> Frame:
    head, sep, rest = segment.partition("CP=&&")
    if not sep or not rest.endswith("&&"):
        raise NativeRejected("HJ 212 data segment has no CP=&&…&& part")
    header = dict(_pair(item) for item in head.split(";") if item)
    for name in ("ST", "CN", "MN"):
        if not header.get(name):
            raise NativeRejected(f"HJ 212 data segment without {name}")
    items: dict[str, str] = {}
    for group in rest[:-2].split(";"):
        for item in group.split(","):
            if item:
                key, value = _pair(item)
                items[key] = value
    return Frame(header, items)


def _pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise NativeRejected(f"HJ 212 item {item[:40]!r} is not key=value")
    return key.strip(), value.strip()
