"""The AsyncAPI document, the analysis views, and every route of the contract, on a real hub."""

from __future__ import annotations

from typing import Any

import pytest

from hub import schemas
from tests.api.conftest import waterlogging
from tests.support import RunningHub, wait_for

pytestmark = pytest.mark.integration
CONTRACT_ROUTES = [
    "/healthz", "/api/events", "/api/events/{uid}", "/api/deadletters", "/api/incidents",
    "/api/incidents/{incident_id}", "/api/incidents/{incident_id}/transitions", "/api/grid/locate", "/api/geocode",
    "/api/addresses", "/api/stats", "/ws/live", "/", "/ogc", "/ogc/conformance", "/ogc/collections",
    "/ogc/collections/{cid}", "/ogc/collections/{cid}/items", "/ogc/collections/{cid}/items/{fid}",
    "/asyncapi.json", "/api/analysis",
]


def resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [
            r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def test_every_contract_route_exists(hub_on_embedded: RunningHub) -> None:
    app = hub_on_embedded.server.config.app
    paths = {route.path for route in app.router.routes if hasattr(route, "path")}
    for route in app.openapi()["paths"]:
        paths.add(route)
    missing = [p for p in CONTRACT_ROUTES if p not in paths]
    assert not missing, missing


def test_the_asyncapi_document_describes_every_channel_and_type(hub_on_embedded: RunningHub) -> None:
    doc = hub_on_embedded.get("/asyncapi.json").json()
    assert doc["asyncapi"] == "3.0.0" and {"mqtt", "kafka"} == set(doc["servers"])
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {"city/{domain}/{sourceId}", "hub/events/{district}/{domain}", "hub/deadletter",
                         "city.events", "city.events.normalized", "city.events.deadletter"}
    assert set(doc["components"]["messages"]) >= set(schemas.event_types())
    local = [r for r in refs(doc) if r.startswith("#/")]
    for ref in local:
        resolve(doc, ref)  # every internal reference resolves
    for operation in doc["operations"].values():
        assert operation["action"] in ("send", "receive")
        channel = resolve(doc, operation["channel"]["$ref"])
        for message in operation["messages"]:
            assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
        assert channel["messages"]
    external = sorted({r for r in refs(doc) if not r.startswith("#/")})
    assert len(external) == len(schemas.event_types()) + 1  # every type's schema and the envelope
    for ref in external:
        fetched = hub_on_embedded.get(ref.removeprefix(hub_on_embedded.url))
        assert fetched.status_code == 200 and fetched.json()["$schema"].startswith("https://json-schema.org/")
    assert hub_on_embedded.get("/schemas/../pyproject.json").status_code == 404


def test_every_analysis_view_answers(hub_on_embedded: RunningHub) -> None:
    from hub.transports.mqtt.publisher import MqttPublisher

    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "views")
    topic, ce = waterlogging(31)
    publisher.publish(topic, [ce])
    publisher.close()
    wait_for(lambda: hub_on_embedded.get("/api/incidents").json()["items"] != [], what="an incident")
    views = hub_on_embedded.get("/api/analysis").json()["views"]
    assert len(views) >= 10
    for view in views:
        response = hub_on_embedded.get(view["href"].removeprefix(hub_on_embedded.url))
        assert response.status_code == 200, (view, response.text)
    by_district = hub_on_embedded.get("/api/analysis/counts/district").json()
    assert by_district["counts"] == [{"key": "440703", "count": 1}] and by_district["total"] == 1
    top = hub_on_embedded.get("/api/analysis/top-cells").json()["cells"]
    assert top[0]["count"] == 1 and len(top[0]["grid_code"]) == 15
    trend = hub_on_embedded.get("/api/analysis/trend").json()["series"]
    assert len(trend) in (24, 25) and sum(b["count"] for b in trend) == 1
    states = hub_on_embedded.get("/api/analysis/incidents/by/state").json()["counts"]
    assert states == [{"key": "reported", "count": 1}]
    assert hub_on_embedded.get("/api/analysis/counts/colour").status_code == 404
    assert hub_on_embedded.get("/api/analysis/trend", bucket="week").status_code == 422
