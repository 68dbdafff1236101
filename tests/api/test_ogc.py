"""OGC API – Features as QGIS requests it: landing page, conformance, collections, items with bbox,
datetime and limit, paging by `next` links, single items; every page valid GeoJSON (geojson-pydantic)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from geojson_pydantic import Feature, FeatureCollection

from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.api.conftest import BAISHA, CHINA, TAICHENG, event, offset, waterlogging
from tests.support import RunningHub, free_port, running_hub, wait_for

pytestmark = pytest.mark.integration
AIR_POINTS = [offset(BAISHA, 300 * n, 200 * n) for n in range(20)] + [offset(TAICHENG, 250 * n) for n in range(10)]


@pytest.fixture(scope="module")
def ogc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub for the module: 30 air readings over two districts and two waterlogging alarms."""
    broker = EmbeddedBroker(free_port())
    broker.start()
    data_dir: Path = tmp_path_factory.mktemp("ogc")
    settings = Settings(data_dir=data_dir, mqtt=broker.url, mqtt_v5=False, mqtt_client_id="hub-ogc",
                        incident_check_s=0)
    try:
        with running_hub(settings) as running:
            running.hub.ingests["mqtt"].connected.wait(10)
            publisher = MqttPublisher(broker.url, "ogc-sources")
            start = datetime.now(CHINA) - timedelta(hours=2)
            for n, point in enumerate(AIR_POINTS):
                topic, ce = event("env", "air", f"AQ-{n:03d}", "city.env.air",
                                  {"station_id": f"AQ-{n:03d}", "interval": "hour", "aqi": 40 + n},
                                  point, when=start + timedelta(minutes=2 * n))
                publisher.publish(topic, [ce])
            for topic, ce in (waterlogging(30, device="WL-9001"), waterlogging(35, TAICHENG, device="WL-9002")):
                publisher.publish(topic, [ce])
            publisher.close()
            wait_for(lambda: running.get("/healthz").json()["store"]["events"] == 32, what="32 stored events")
            wait_for(lambda: len(running.get("/api/incidents").json()["items"]) == 2, what="2 incidents")
            yield running
    finally:
        broker.stop()


def geojson(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    return dict(response.json())


def page(hub: RunningHub, path: str, **params: Any) -> dict[str, Any]:
    body = geojson(hub.get(path, **params))
    FeatureCollection.model_validate(body)
    assert body["numberReturned"] == len(body["features"])
    assert any(link["rel"] == "self" for link in body["links"])
    return body


def all_pages(hub: RunningHub, path: str, **params: Any) -> list[dict[str, Any]]:
    pages = [page(hub, path, **params)]
    while nexts := [link for link in pages[-1]["links"] if link["rel"] == "next"]:
        pages.append(geojson(hub.get(nexts[0]["href"].removeprefix(hub.url))))
        FeatureCollection.model_validate(pages[-1])
        assert len(pages) < 50
    return pages


def test_landing_conformance_and_collections(ogc: RunningHub) -> None:
    landing = ogc.get("/ogc").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert ogc.get(rels["service-desc"].removeprefix(ogc.url)).status_code == 200
    conforms = ogc.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    collections = ogc.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["events", "incidents", "grid-cells", "districts", "resources"]
    for c in collections:
        assert c["extent"]["spatial"]["bbox"][0][0] < 113 < c["extent"]["spatial"]["bbox"][0][2]
        items = next(link for link in c["links"] if link["rel"] == "items")
        assert items["type"] == "application/geo+json"
        assert ogc.get(f"/ogc/collections/{c['id']}").json()["id"] == c["id"]
    assert ogc.get("/ogc/collections/rivers").status_code == 404


def test_events_page_through_next_links_to_every_feature(ogc: RunningHub) -> None:
    pages = all_pages(ogc, "/ogc/collections/events/items", limit=7)
    assert pages[0]["numberMatched"] == 32
    assert [p["numberReturned"] for p in pages] == [7, 7, 7, 7, 4]
    ids = [f["id"] for p in pages for f in p["features"]]
    assert len(set(ids)) == 32
    one = geojson(ogc.get(f"/ogc/collections/events/items/{ids[0]}"))
    Feature.model_validate(one)
    assert one["id"] == ids[0] and one["geometry"]["type"] == "Point"
    assert ogc.get("/ogc/collections/events/items/no-such-event").status_code == 404


def test_events_by_bbox_and_datetime(ogc: RunningHub) -> None:
    box = (112.70, 22.20, 112.90, 22.30)  # around 台城
    inside = page(ogc, "/ogc/collections/events/items", bbox=",".join(map(str, box)), limit=100)
    assert len(inside["features"]) == 11  # ten air stations and one waterlogging sensor
    for f in inside["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]

    start = datetime.now(CHINA) - timedelta(hours=2)
    first_ten = f"../{(start + timedelta(minutes=18)).isoformat()}"  # readings 0..9 (every 2 minutes)
    assert page(ogc, "/ogc/collections/events/items", datetime=first_ten)["numberMatched"] == 10
    later = f"{(start + timedelta(minutes=19)).isoformat()}/.."
    assert page(ogc, "/ogc/collections/events/items", datetime=later)["numberMatched"] == 22
    both = f"{(start + timedelta(minutes=19)).isoformat()}/{(start + timedelta(minutes=39)).isoformat()}"
    assert len(page(ogc, "/ogc/collections/events/items", datetime=both)["features"]) == 10
    bad_params = ({"bbox": "1,2,3"}, {"bbox": "5,5,1,1"}, {"datetime": "yesterday"},
                  {"datetime": "2026-02-01/2026-01-01"})
    for bad in bad_params:
        assert ogc.get("/ogc/collections/events/items", **bad).status_code == 422


def test_incidents_as_features(ogc: RunningHub) -> None:
    body = page(ogc, "/ogc/collections/incidents/items")
    assert body["numberMatched"] == 2
    props = body["features"][0]["properties"]
    assert {"state", "title", "department", "due_at", "member_count"} <= set(props)
    taishan = page(ogc, "/ogc/collections/incidents/items", bbox="112.7,22.2,112.9,22.3")
    assert [f["properties"]["district_code"] for f in taishan["features"]] == ["440781"]
    fid = taishan["features"][0]["id"]
    Feature.model_validate(geojson(ogc.get(f"/ogc/collections/incidents/items/{fid}")))
    assert ogc.get("/ogc/collections/incidents/items/0").status_code == 404


def test_districts_and_grid_cells(ogc: RunningHub) -> None:
    pages = all_pages(ogc, "/ogc/collections/districts/items", limit=3)
    assert [p["numberReturned"] for p in pages] == [3, 3, 1] and pages[0]["numberMatched"] == 7
    near_taishan = page(ogc, "/ogc/collections/districts/items", bbox="112.78,22.24,112.80,22.26")
    assert "440781" in [f["id"] for f in near_taishan["features"]]
    taishan = geojson(ogc.get("/ogc/collections/districts/items/440781"))
    assert taishan["geometry"]["type"] in ("Polygon", "MultiPolygon")
    cells = page(ogc, "/ogc/collections/grid-cells/items", bbox="113.080,22.585,113.090,22.595", limit=10)
    assert cells["numberMatched"] >= cells["numberReturned"] > 0
    code = cells["features"][0]["id"]
    assert len(code) == 15 and geojson(ogc.get(f"/ogc/collections/grid-cells/items/{code}"))["id"] == code
