"""The AsyncAPI 3.0 document of the hub's channels (`/asyncapi.json`), and the JSON Schemas it refers to
(`/schemas/<name>.json`, the files of `schemas/`): what adapters publish and what the hub republishes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from hub import schemas
from hub.api.deps import HubDep
from hub.events import HubBlock

router = APIRouter(tags=["channels"])
DOMAINS = ["weather", "grid", "emergency", "fire", "water", "env", "iot", "construction", "vehicle", "parking",
           "traffic", "hotline", "video"]
DEAD_LETTER = {
    "type": "object", "required": ["reason", "transport", "topic", "received_at", "raw"],
    "properties": {
        "reason": {"type": "string", "description": "why the hub refused the message"},
        "transport": {"enum": ["mqtt", "kafka", "http"]}, "topic": {"type": "string"},
        "partition": {"type": ["integer", "null"]}, "offset": {"type": ["integer", "null"]},
        "received_at": {"type": "number", "description": "epoch seconds"},
        "raw": {"type": "string", "description": "the bytes as received: base64 on Kafka; on MQTT the text, "
                                                 "cut to 2,000 characters"}},
}


def event_message(base: str, event_type: str) -> dict[str, Any]:
    return {
        "name": event_type, "title": schemas.schema(event_type).get("title", event_type),
        "contentType": "application/cloudevents+json",
        "payload": {"allOf": [{"$ref": f"{base}/schemas/cloudevent.json"}, {
            "type": "object", "properties": {"type": {"const": event_type},
                                             "data": {"$ref": f"{base}/schemas/{event_type}.json"}}}]},
    }


def document(base: str, mqtt: str, kafka: str) -> dict[str, Any]:
    types = schemas.event_types()
    messages = {t: event_message(base, t) for t in types}
    refs = {t: {"$ref": f"#/components/messages/{t}"} for t in types}
    normalized = {"allOf": [{"$ref": f"{base}/schemas/cloudevent.json"}, {
        "type": "object", "properties": {"hub": {"$ref": "#/components/schemas/HubBlock"}}}]}
    mqtt_server, kafka_server = [{"$ref": "#/servers/mqtt"}], [{"$ref": "#/servers/kafka"}]
    one = {"type": "string", "description": "one topic level"}
    channels = {
        "sourceEvents": {
            "address": "city/{domain}/{sourceId}", "servers": mqtt_server, "messages": refs,
            "title": "canonical events from a source system (QoS 1)",
            "description": "`sourceId` is the source system's id, the 4th part of the CloudEvent `source`; "
                           "a source may publish only under its own id (broker ACL, and the hub checks).",
            "parameters": {"domain": {"enum": DOMAINS, "description": "the 2nd part of the event type"},
                           "sourceId": one}},
        "normalizedMap": {
            "address": "hub/events/{district}/{domain}", "servers": mqtt_server,
            "title": "normalized events for maps and dashboards (QoS 0)",
            "parameters": {"district": {"description": "district code, or `unplaced`"},
                           "domain": {"enum": DOMAINS}},
            "messages": {"mapItem": {"name": "mapItem", "contentType": "application/json",
                                     "payload": {"type": "object", "description": "the live map's item: uid, id, "
                                                 "source, type, time, lon, lat, grid_code, district_code, "
                                                 "severity, department, alarms, data"}}}},
        "deadLettersMqtt": {"address": "hub/deadletter", "servers": mqtt_server,
                            "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}}},
        "events": {"address": "city.events", "servers": kafka_server, "messages": refs,
                   "title": "canonical events from source systems, keyed by source",
                   "bindings": {"kafka": {"topic": "city.events", "bindingVersion": "0.5.0"}}},
        "normalized": {"address": "city.events.normalized", "servers": kafka_server,
                       "title": "normalized events, keyed by grid code",
                       "messages": {"normalizedEvent": {"name": "normalizedEvent", "contentType": "application/json",
                                                        "payload": normalized}}},
        "deadLetters": {"address": "city.events.deadletter", "servers": kafka_server,
                        "messages": {"deadLetter": {"$ref": "#/components/messages/deadLetter"}}},
    }

    def operation(action: str, channel: str, summary: str, bindings: dict[str, Any]) -> dict[str, Any]:
        names = channels[channel]["messages"]
        return {"action": action, "channel": {"$ref": f"#/channels/{channel}"}, "summary": summary,
                "messages": [{"$ref": f"#/channels/{channel}/messages/{n}"} for n in names], "bindings": bindings}

    qos1, qos0 = {"mqtt": {"qos": 1, "bindingVersion": "0.2.0"}}, {"mqtt": {"qos": 0, "bindingVersion": "0.2.0"}}
    by_source = {"kafka": {"groupId": {"const": "cityhub"}, "bindingVersion": "0.5.0"}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "CityHub 江门一网统管 — event channels", "version": "0.1.0",
                 "description": "CloudEvents 1.0 (structured JSON) from Jiangmen's source systems into the hub, "
                                "and what the hub republishes. Payload schemas are the files of `schemas/`."},
        "defaultContentType": "application/cloudevents+json",
        "servers": {"mqtt": {"host": mqtt, "protocol": "mqtt", "protocolVersion": "5",
                             "description": "Mosquitto, or the embedded broker of `cityhub demo`"},
                    "kafka": {"host": kafka, "protocol": "kafka", "description": "Kafka; the hub's group `cityhub`"}},
        "channels": channels,
        "operations": {
            "receiveSourceEvents": operation("receive", "sourceEvents", "the hub takes in source events", qos1),
            "sendNormalizedMap": operation("send", "normalizedMap", "the hub republishes for maps", qos0),
            "sendDeadLettersMqtt": operation("send", "deadLettersMqtt", "refused messages, with the reason", qos0),
            "receiveEvents": operation("receive", "events", "the hub's consumer group reads source events",
                                       by_source),
            "sendNormalized": operation("send", "normalized", "normalized events keyed by grid code", {}),
            "sendDeadLetters": operation("send", "deadLetters", "refused messages, with the reason", {}),
        },
        "components": {"messages": messages | {"deadLetter": {"name": "deadLetter", "contentType": "application/json",
                                                              "payload": DEAD_LETTER}},
                       "schemas": {"HubBlock": HubBlock.model_json_schema()}},
    }


def host_of(url: str | None, default: str) -> str:
    return url.split("://", 1)[-1].rsplit("@", 1)[-1] if url else default


@router.get("/asyncapi.json")
def asyncapi(request: Request, hub: HubDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/")
    return document(base, host_of(hub.settings.mqtt, "127.0.0.1:11883"), host_of(hub.settings.kafka, "127.0.0.1:9092"))


@router.get("/schemas/{name}.json")
def schema_file(name: str) -> FileResponse:
    path = schemas.SCHEMA_DIR / f"{name}.json"
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404, f"no schema {name!r}")
    return FileResponse(path, media_type="application/schema+json")
