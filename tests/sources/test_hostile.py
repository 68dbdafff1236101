"""Hostile and broken native input is refused with a reason — never a crash, never a made-up event."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from adapters.base import CHINA_TIME, Adapter, NativeRejected
from adapters.fire_uitd import from_wire
from adapters.registry import ADAPTERS
from simulators.wire import sl651_frame
from tests.sources.conftest import golden_pairs, messages

NOW = datetime(2021, 7, 1, 8, 30, tzinfo=CHINA_TIME)
CHECKSUMMED = {"env-air", "env-pollution", "construction-site", "water-sl651", "fire-uitd", "vehicle-jt808"}
ALL = sorted(ADAPTERS.values(), key=lambda a: a.name)
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""


def rejected(adapter: Adapter, raw: bytes) -> str:
    with pytest.raises(NativeRejected) as caught:
        adapter.adapt(raw)
    reason = str(caught.value)
    assert reason.strip(), f"{adapter.name} rejected without a reason"
    return reason


def first_message(adapter: Adapter) -> bytes:
    """A native message of the adapter that maps to at least one event."""
    for raw, _ in golden_pairs(adapter):
        for message in messages(adapter, raw.read_bytes()):
            if adapter.adapt(message):
                return message
    raise AssertionError(f"{adapter.name} has no fixture with events")


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
@pytest.mark.parametrize("garbage", [b"", b"\x00\xff\xfe", b"null", b"[1, 2", "江门".encode("utf-16"), b"{}"],
                         ids=["empty", "binary", "json-null", "truncated-json", "utf16", "empty-object"])
def test_garbage_is_rejected(adapter: Adapter, garbage: bytes) -> None:
    rejected(adapter, garbage)


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
def test_truncated_message_is_rejected(adapter: Adapter) -> None:
    message = first_message(adapter).rstrip(b"\r\n")
    rejected(adapter, message[: len(message) // 2])
    if adapter.name in CHECKSUMMED:  # a frame missing its last bytes fails its length or check
        rejected(adapter, message[:-3])


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
def test_a_corrupted_byte_is_rejected_or_harmless(adapter: Adapter) -> None:
    """Checksummed frames refuse any flipped byte; text formats map it or refuse it — never crash."""
    message = first_message(adapter)
    for at in range(0, len(message), max(1, len(message) // 40)):
        bad = message[:at] + bytes((message[at] ^ 0x5A,)) + message[at + 1:]
        try:
            adapter.adapt(bad)
        except NativeRejected:
            continue


@pytest.mark.parametrize("name", ["env-air", "env-pollution", "construction-site"])
def test_hj212_bad_crc_and_length(name: str) -> None:
    adapter, message = ADAPTERS[name], first_message(ADAPTERS[name]).rstrip(b"\r\n")
    assert "CRC" in rejected(adapter, message[:-4] + (b"0000" if message[-4:] != b"0000" else b"FFFF"))
    assert "length" in rejected(adapter, b"##9999" + message[6:])
    assert "length" in rejected(adapter, b"##00x1" + message[6:])


def test_hj212_wrong_system_is_rejected() -> None:
    air = first_message(ADAPTERS["env-air"])
    assert "pollution source" in rejected(ADAPTERS["env-pollution"], air)


def test_sl651_bad_crc_hex_mode_and_downstream() -> None:
    adapter = ADAPTERS["water-sl651"]
    message = first_message(adapter).rstrip(b"\r\n")
    assert "CRC" in rejected(adapter, message[:-4] + b"0000")
    assert "HEX" in rejected(adapter, bytes.fromhex("7e7e0100123456781234320000"))
    assert "not a number" in rejected(adapter, sl651_frame("4407030001", "32", 1, NOW, "H", [(NOW, [("Z", "2.1x")])]))
    assert "without a value" in rejected(adapter, sl651_frame("4407030001", "32", 1, NOW, "H", [(NOW, [("Z", "")])]))
    assert rejected(adapter, sl651_frame("4407030001", "32", 1, NOW, "H", []))


def test_gb26875_bad_checksum_and_length() -> None:
    adapter = ADAPTERS["fire-uitd"]
    frame = from_wire(first_message(adapter))
    broken = frame[:-3] + bytes(((frame[-3] + 1) % 256,)) + frame[-2:]
    assert "checksum" in rejected(adapter, broken)
    assert "length" in rejected(adapter, frame[:24] + b"\xff\x00" + frame[26:])
    assert "hex" in rejected(adapter, b"4040" + b"0" * 61)


def test_jt808_bad_check_escape_and_glued_frames() -> None:
    adapter = ADAPTERS["vehicle-jt808"]
    frame = first_message(adapter)
    assert "check" in rejected(adapter, frame[:-2] + bytes((frame[-2] ^ 1,)) + frame[-1:])
    assert "escape" in rejected(adapter, frame[:5] + b"\x7d\x09" + frame[7:])
    assert "two frames" in rejected(adapter, frame + frame)


def test_cap_entity_bomb_and_external_entity_are_refused() -> None:
    adapter = ADAPTERS["weather-cap"]
    assert "unsafe XML" in rejected(adapter, BOMB)
    assert "unsafe XML" in rejected(adapter, EXTERNAL)
    assert "well-formed" in rejected(adapter, b"<alert><identifier>x</alert>")
    assert "not a CAP alert" in rejected(adapter, b"<feed/>")


@pytest.mark.parametrize(("name", "field", "value"), [
    ("parking-lots", "freeSpace", "many"), ("parking-lots", "totalSpace", 1e400),
    ("hotline-12345", "address", 42.5), ("grid-patrol", "bigClass", "x1"), ("grid-patrol", "photos", 1),
    ("grid-patrol", "photos", "a.jpg"),
    ("emergency-incidents", "eventLevel", "很大"), ("emergency-hazmat", "hazardCode", "危-1"),
    ("emergency-geohazard", "warnLevel", "紫"), ("emergency-forestfire", "confidence", 7),
    ("iot-bridge", "bridgeCode", []), ("traffic-congestion", "updateTime", "yesterday"),
    ("iot-streetlight", "gatewayId", "柜 1"),
])
def test_wrong_types_in_json_are_rejected(name: str, field: str, value: object) -> None:
    adapter = ADAPTERS[name]
    doc = json.loads(first_message(adapter))
    target = doc["parks"][0] if name == "parking-lots" else doc["rows"][0] if "rows" in doc else doc
    target[field] = value
    rejected(adapter, json.dumps(target if name == "hotline-12345" else doc).encode())


@pytest.mark.parametrize(("name", "line"), [
    ("iot-gas", b"RQ-1,2021-07-01 08:30:00,abc,2.1,0"), ("iot-gas", b"RQ-1,2021-07-01 08:30:00,1.0,2.1,7"),
    ("iot-gas", b"RQ-1,2021-07-01,1.0,2.1,0"), ("traffic-detectors", b"TD-1,1,2021-07-01 08:30:00,0,10,30,10"),
    ("traffic-detectors", b"TD-1,1,2021-07-01 08:30:00,300,-1,30,10"),
    ("parking-berths", b'{"berthCode":"B1","status":"2"}'),
])
def test_bad_csv_and_json_lines_are_rejected(name: str, line: bytes) -> None:
    rejected(ADAPTERS[name], line)
