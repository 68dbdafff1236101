"""Canonical events for the transport tests: many distinct ones, and the same built with the
official CloudEvents SDK in structured and binary mode."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent as SdkEvent

TOPIC = "city/parking/lots"  # the parking adapter's MQTT topic; its sources are /jiangmen/parking/lots/<lot>
POINTS = ((113.08, 22.58), (113.12, 22.55), (112.79, 22.25), (113.03, 22.47))  # 蓬江, 江海, 台山, 新会 (WGS84)
Headers = list[tuple[str, bytes]]


def occupancy(run: str, n: int, lots: int = 40) -> dict[str, Any]:
    """The n-th distinct parking event of a run: 40 lots, each in one of four districts."""
    lot = f"JM-P-{n % lots:03d}"
    lon, lat = POINTS[n % lots % len(POINTS)]
    free = n % 97
    return {
        "specversion": "1.0", "id": f"{run}-{n:06d}", "source": f"/jiangmen/parking/lots/{lot}",
        "type": "city.parking.occupancy", "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "datacontenttype": "application/json",
        "data": {"lot_id": lot, "capacity": 100, "free": free, "occupancy": round(1 - free / 100, 4),
                 "location": {"lon": lon, "lat": lat, "crs": "wgs84"}},
    }


def batch(run: str, count: int, start: int = 0) -> list[dict[str, Any]]:
    return [occupancy(run, n) for n in range(start, start + count)]


def sdk_event(ce: dict[str, Any]) -> SdkEvent:
    attributes = {k: v for k, v in ce.items() if k != "data"}
    attributes["time"] = datetime.fromisoformat(ce["time"])
    return SdkEvent(attributes, ce["data"])


def sdk_structured(ce: dict[str, Any]) -> bytes:
    """Structured mode as the CloudEvents SDK writes it (the Kafka binding's value; MQTT's payload too)."""
    return ce_kafka.to_structured(sdk_event(ce), JSONFormat()).value


def sdk_kafka_binary(ce: dict[str, Any]) -> tuple[bytes, Headers]:
    """Kafka binary mode by the SDK: attributes in `ce_` headers, data alone in the value."""
    message = ce_kafka.to_binary(sdk_event(ce), JSONFormat())
    return message.value, list(message.headers.items())


def mqtt_binary(ce: dict[str, Any]) -> tuple[bytes, Headers]:
    """MQTT 5 binary mode (the CloudEvents MQTT binding): attributes as user properties without prefix.
    The SDK has no MQTT binding, so the attributes come from an SDK event all the same."""
    attributes = sdk_event(ce).get_attributes()
    headers = [(k, (v.isoformat() if isinstance(v, datetime) else str(v)).encode())
               for k, v in attributes.items() if k != "datacontenttype"]
    return orjson.dumps(ce["data"]), headers


def raw_kafka_binary(ce: dict[str, Any]) -> tuple[bytes, Headers]:
    """Binary mode as `kcat -H ce_specversion=1.0 -H ce_id=…` would send it, written by hand."""
    headers = [(f"ce_{k}", str(ce[k]).encode()) for k in ("specversion", "id", "source", "type", "time")]
    return orjson.dumps(ce["data"]), headers


def raw_mqtt_binary(ce: dict[str, Any]) -> tuple[bytes, Headers]:
    """Binary mode as `mosquitto_pub -V 5 -D publish user-property id …` would send it, by hand."""
    return orjson.dumps(ce["data"]), [(k, str(ce[k]).encode()) for k in ("specversion", "id", "source", "type", "time")]
