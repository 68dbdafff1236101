"""Writes the hostile corpus into tests/hostile/corpus/ (committed; run again after changing this file).

    python -m tests.hostile.make_corpus

`corpus/hub/`: messages as they arrive on MQTT, in send order, listed in `manifest.json` with their
topic and what the hub must do: `"stored"` (the good events between the bad ones) or the start of
the dead letter's reason. `corpus/native/<adapter>/`: native messages an adapter must refuse with
NativeRejected, listed in their `manifest.json` with words the reason must contain. Payloads over 64 KiB
are kept gzipped (`.gz`); the test sends them unpacked.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.hostile import native_cases

CORPUS = Path(__file__).resolve().parent / "corpus"
TOPIC = "city/parking/lots"
SOURCE = "/jiangmen/parking/lots/"
TIME = "2025-06-01T08:00:00+08:00"
MAX_AGE_DAYS = 7300  # the hostile test's hub accepts events up to 20 years old, so TIME stays good until 2045
Case = tuple[str, str, bytes, str]  # name, topic, payload, expected ("stored" or the reason's start)


def event(n: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "specversion": "1.0", "id": f"JM-PK-{n:04d}-hostile", "source": f"{SOURCE}JM-PK-{n:04d}",
        "type": "city.parking.occupancy", "time": TIME, "datacontenttype": "application/json",
        "data": {"lot_id": f"JM-PK-{n:04d}", "name": "江门市民广场停车场", "capacity": 200, "free": 37,
                 "occupancy": 0.815, "location": {"lon": 113.081, "lat": 22.579, "crs": "gcj02"}},
    }
    for key, value in changes.items():
        if key.startswith("data_"):
            body["data"][key[5:]] = value
        elif value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def js(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode()


def nested(depth: int, leaf: str = "0") -> str:
    return "[" * depth + leaf + "]" * depth


def syntax() -> Iterator[Case]:
    whole = js(event(1))
    for i, cut in enumerate(range(1, len(whole), len(whole) // 24)):
        yield f"truncated-{i:02d}", TOPIC, whole[:cut], "invalid JSON"
    for name, raw in [
        ("empty", b""), ("blank", b"   \n\t"), ("single-quotes", whole.replace(b'"', b"'")),
        ("trailing-comma", whole[:-1] + b",}"), ("comment", b"/* hi */" + whole), ("bare-word", b"cityhub"),
        ("two-documents", whole + whole), ("bom", b"\xef\xbb\xbf" + whole), ("nul-byte", b"\x00" + whole),
        ("unquoted-keys", b'{specversion: "1.0"}'), ("hex-number", whole.replace(b"200", b"0xC8")),
        ("leading-zero", whole.replace(b"200", b"0200")), ("plus-sign", whole.replace(b"200", b"+200")),
        ("control-char-in-string", whole.replace("江门".encode(), b"\x01\x02")),
        ("unterminated-string", b'{"id": "abc'), ("lone-bracket", b"}"), ("xml-instead", b"<event/>"),
        ("python-literals", b"{'id': None, 'free': True}"), ("bad-escape", b'{"id": "\\x41"}'),
        ("lone-surrogate-escape", whole.replace("江门".encode(), b"\\ud800")),
    ]:
        yield name, TOPIC, raw, "invalid JSON"
    for name, raw in [("nan", b"NaN"), ("infinity", b"Infinity"), ("minus-infinity", b"-Infinity"),
                      ("overflow-infinity", b"1e400")]:
        yield f"{name}-in-data", TOPIC, whole.replace(b'"free": 37', b'"free": ' + raw), "invalid JSON"
    for name, raw in [("array", b"[1, 2]"), ("string", b'"event"'), ("number", b"42"), ("null", b"null"),
                      ("true", b"true"), ("array-of-events", b"[" + whole + b"]")]:
        yield f"not-an-object-{name}", TOPIC, raw, "not a CloudEvent"


def encodings() -> Iterator[Case]:
    whole = js(event(2))
    for name, bad in [("ff", b"\xff"), ("fe-ff", b"\xfe\xff"), ("overlong-slash", b"\xc0\xaf"),
                      ("cesu-surrogate", b"\xed\xa0\x80"), ("truncated-multibyte", "江".encode()[:2]),
                      ("latin1", "é".encode("latin-1")), ("gbk", "江门".encode("gbk")),
                      ("continuation-only", b"\x80\x80"), ("five-byte", b"\xf8\x88\x80\x80\x80")]:
        yield f"invalid-utf8-{name}", TOPIC, whole.replace("江门".encode(), bad), "invalid JSON"
    yield "utf16", TOPIC, json.dumps(event(2)).encode("utf-16"), "invalid JSON"


def sizes() -> Iterator[Case]:
    ten_mb = 10 * 1024 * 1024
    yield "oversize-10mb-string", TOPIC, js(event(3, data_name="停" * (ten_mb // 3))), "oversize"
    yield "oversize-10mb-spaces", TOPIC, js(event(3))[:-1] + b" " * ten_mb + b"}", "oversize"
    yield "oversize-10mb-array", TOPIC, b"[" + b"0," * (ten_mb // 2) + b"0]", "oversize"
    yield "oversize-just-over", TOPIC, js(event(3, data_name="x" * (256 * 1024))), "oversize"
    for name, raw in [("arrays", nested(10_000)), ("objects", '{"a":' * 10_000 + "0" + "}" * 10_000)]:
        yield f"nested-10000-{name}", TOPIC, raw.encode(), "invalid JSON"
    def deep_data(depth: int) -> bytes:
        return js(event(3, data_extra="DEEP")).replace(b'"DEEP"', nested(depth).encode())
    yield "nested-10000-in-data", TOPIC, deep_data(10_000), "invalid JSON"
    for depth in (40, 300, 1000):
        yield f"nested-{depth}-in-data", TOPIC, deep_data(depth), "JSON nested deeper"


def envelope() -> Iterator[Case]:
    for attribute in ("specversion", "id", "source", "type", "time", "data"):
        yield f"missing-{attribute}", TOPIC, js(event(4, **{attribute: None})), "envelope"
    for name, changes in [
        ("specversion-number", {"specversion": 1.0}), ("specversion-2", {"specversion": "2.0"}),
        ("id-number", {"id": 42}), ("id-empty", {"id": ""}), ("id-too-long", {"id": "x" * 129}),
        ("id-object", {"id": {"$ne": None}}), ("source-number", {"source": 7}),
        ("source-relative", {"source": "parking/lots/JM-PK-0004"}),
        ("source-url", {"source": "http://evil.example/jiangmen/parking/lots/x"}),
        ("source-too-long", {"source": SOURCE + "x" * 300}), ("source-space", {"source": SOURCE + "JM PK"}),
        ("source-chinese", {"source": SOURCE + "停车场"}), ("type-list", {"type": ["city.parking.occupancy"]}),
        ("type-uppercase", {"type": "CITY.PARKING.OCCUPANCY"}), ("type-no-city", {"type": "parking.occupancy"}),
        ("type-one-part", {"type": "city.parking"}), ("type-too-long", {"type": "city.parking." + "x" * 64}),
        ("time-number", {"time": 1748736000}), ("time-not-a-date", {"time": "yesterday"}),
        ("time-month-13", {"time": "2025-13-01T08:00:00+08:00"}), ("time-day-32", {"time": "2025-06-32T08:00:00Z"}),
        ("time-chinese", {"time": "2025年6月1日 08:00"}), ("data-string", {"data": "{}"}),
        ("data-list", {"data": []}), ("data-number", {"data": 0}),
        ("datacontenttype-xml", {"datacontenttype": "application/xml"}), ("subject-object", {"subject": {}}),
    ]:
        yield f"envelope-{name}", TOPIC, js(event(4, **changes)), "envelope"


def data_schema() -> Iterator[Case]:
    for name, changes in [
        ("capacity-string", {"data_capacity": "200"}), ("capacity-float", {"data_capacity": 200.5}),
        ("capacity-negative", {"data_capacity": -1}), ("capacity-huge", {"data_capacity": 10**12}),
        ("free-null", {"data_free": None}), ("free-bool", {"data_free": True}), ("free-list", {"data_free": [37]}),
        ("occupancy-over-one", {"data_occupancy": 1.5}), ("lot-id-empty", {"data_lot_id": ""}),
        ("lot-id-number", {"data_lot_id": 17}), ("name-too-long", {"data_name": "停" * 101}),
        ("location-string", {"data_location": "113.08,22.58"}), ("location-empty", {"data_location": {}}),
        ("location-lon-only", {"data_location": {"lon": 113.08}}),
        ("location-lon-string", {"data_location": {"lon": "113.08", "lat": 22.58}}),
        ("location-crs-epsg", {"data_location": {"lon": 113.08, "lat": 22.58, "crs": "EPSG:4326"}}),
        ("location-extra-key", {"data_location": {"lon": 113.08, "lat": 22.58, "height": 3}}),
        ("location-address-short", {"data_location": {"address": "x"}}),
        ("lon-181", {"data_location": {"lon": 181, "lat": 22.58}}),
        ("lon-minus-181", {"data_location": {"lon": -181, "lat": 22.58}}),
        ("lat-91", {"data_location": {"lon": 113.08, "lat": 91}}),
        ("lat-minus-90-5", {"data_location": {"lon": 113.08, "lat": -90.5}}),
        ("lon-1e308", {"data_location": {"lon": 1e308, "lat": 22.58}}),
    ]:
        yield f"schema-{name}", TOPIC, js(event(5, **changes)), "schema city.parking.occupancy"
    missing = event(5)
    del missing["data"]["lot_id"]
    yield "schema-missing-lot-id", TOPIC, js(missing), "schema city.parking.occupancy"


def meaning() -> Iterator[Case]:
    for name, (lon, lat, crs) in {
        "beijing": (116.397, 39.909, "wgs84"), "null-island": (0.0, 0.0, "wgs84"),
        "guangzhou": (113.264, 23.129, "gcj02"), "macau": (113.543, 22.198, "wgs84"),
        "zhuhai": (113.576, 22.271, "bd09"), "south-pole": (0.0, -90.0, "wgs84"),
        "swapped-lat-lon": (22.579, 113.081 - 90, "wgs84"), "south-china-sea": (113.0, 21.0, "wgs84"),
    }.items():
        location = {"lon": lon, "lat": lat, "crs": crs}
        yield f"outside-city-{name}", TOPIC, js(event(6, data_location=location)), "location outside Jiangmen"
    for name, when, reason in [
        ("year-2999", "2999-01-01T00:00:00+08:00", "time 2999"), ("tomorrow-far", "2099-06-01T08:00:00Z", "time 2099"),
        ("year-1900", "1900-01-01T00:00:00+08:00", "time 1900"), ("year-1970", "1970-01-01T00:00:00Z", "time 1970"),
        ("year-0001", "0001-01-01T00:00:00+14:00", "time 0001"),
        ("year-9999", "9999-12-31T23:59:59-12:00", "time 9999"),
        ("no-offset", "2025-06-01T08:00:00", "envelope"),
    ]:
        yield f"time-{name}", TOPIC, js(event(7, time=when)), reason
    for name, event_type in [("unknown-kind", "city.parking.teleport"), ("unknown-domain", "city.ufo.sighting"),
                             ("deep-unknown", "city.parking.occupancy.v2")]:
        yield f"type-{name}", TOPIC, js(event(8, type=event_type)), "unknown event type"
    # (the hub subscribes city/+/+ only: a message on any other topic never reaches it)
    for name, topic, body in [("other-system-topic", "city/parking/berths", event(9)),
                              ("traversal", TOPIC, event(9, source="/jiangmen/parking/../water/x")),
                              ("other-domain-source", TOPIC, event(9, source="/jiangmen/water/sl651/JM-RG-0001")),
                              ("other-domain-topic", "city/water/sl651", event(9))]:
        yield f"spoof-{name}", topic, js(body), "source"

def duplicates() -> Iterator[Case]:
    first = event(10, id="JM-PK-0010-dup")
    yield "dup-original", TOPIC, js(first), "stored"
    yield "dup-same-again", TOPIC, js(first), "duplicate"  # a redelivery: harmless, neither stored nor dead
    for name, changes in [("other-free", {"data_free": 0}), ("other-time", {"time": "2025-06-01T09:00:00+08:00"}),
                          ("other-location", {"data_location": {"lon": 113.09, "lat": 22.6, "crs": "gcj02"}})]:
        yield f"dup-{name}", TOPIC, js(event(10, id="JM-PK-0010-dup", **changes)), "duplicate id"


def good(n: int) -> Case:
    tricky = ["'; DROP TABLE events; --", "<script>alert(1)</script>", "${jndi:ldap://x}", "../../etc/passwd"]
    return f"good-{n:03d}", TOPIC, js(event(100 + n, data_name=f"停车场 {tricky[n % 4]}")), "stored"


def hub_cases() -> list[Case]:
    bad = [c for group in (syntax, encodings, sizes, envelope, data_schema, meaning) for c in group()]
    cases: list[Case] = []
    for i, case in enumerate(bad):
        if i % 8 == 0:
            cases.append(good(i // 8))
        cases.append(case)
    return [*cases, *duplicates(), good(999)]


def write_case(folder: Path, number: int, name: str, payload: bytes, suffix: str) -> str:
    file = f"{number:03d}-{name}{suffix}"
    if len(payload) > 64 * 1024:
        file += ".gz"
        payload = gzip.compress(payload, 9, mtime=0)
    (folder / file).write_bytes(payload)
    return file


def main() -> None:
    shutil.rmtree(CORPUS, ignore_errors=True)
    folder = CORPUS / "hub"
    folder.mkdir(parents=True)
    manifest = [{"file": write_case(folder, n, name, raw, ".json"), "topic": topic, "expect": expect}
                for n, (name, topic, raw, expect) in enumerate(hub_cases())]
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = len(manifest)
    for adapter, cases in native_cases.all_cases().items():
        folder = CORPUS / "native" / adapter
        folder.mkdir(parents=True)
        listed = [{"file": write_case(folder, n, name, raw, ".raw"), "expect": expect}
                  for n, (name, raw, expect) in enumerate(cases)]
        (folder / "manifest.json").write_text(json.dumps(listed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        total += len(listed)
    print(f"{total} corpus files written to {CORPUS}")


if __name__ == "__main__":
    main()
