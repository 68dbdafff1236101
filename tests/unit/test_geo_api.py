"""HTTP routes of the grid, with the router mounted alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api.routes.geo import router
from hub.geo import load_city


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.state.hub = SimpleNamespace(geo=load_city())  # the routes read the city from the running hub (HubDep)
    app.include_router(router)
    return TestClient(app)


def test_locate(client: TestClient) -> None:
    r = client.get("/api/grid/locate", params={"lon": 113.0815, "lat": 22.5790})
    assert r.status_code == 200 and r.json()["grid_code"].startswith("440703")
    r = client.get("/api/grid/locate", params={"lon": 113.0815, "lat": 22.5790, "crs": "gcj02"})
    assert r.status_code == 200
    assert client.get("/api/grid/locate", params={"lon": 100, "lat": 22}).status_code == 404
    for params in ({"lon": "x", "lat": 22}, {"lat": 22}, {"lon": 113, "lat": 22, "crs": "utm"},
                   {"lon": 913, "lat": 22}):
        r = client.get("/api/grid/locate", params=params)
        assert r.status_code == 422 and r.json()["detail"][0]["msg"]


def test_geocode(client: TestClient) -> None:
    text = load_city().library.text(4242)
    r = client.get("/api/geocode", params={"q": text})
    assert r.status_code == 200 and r.json()["matched"] and r.json()["text"] == text
    r = client.get("/api/geocode", params={"q": "不存在"})
    assert r.status_code == 200 and r.json()["matched"] is False
    assert client.get("/api/geocode").status_code == 422


def test_addresses_pages_with_next_links(client: TestClient) -> None:
    r = client.get("/api/addresses", params={"district": "440704", "limit": 5})
    body = r.json()
    assert r.status_code == 200 and len(body["items"]) == 5
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    page2 = client.get(nxt).json()
    assert len(page2["items"]) == 5 and page2["items"][0]["id"] != body["items"][0]["id"]
    last = client.get("/api/addresses", params={"q": body["items"][0]["text"]}).json()
    assert len(last["items"]) == 1 and last["links"] == []
    for params in ({"limit": 0}, {"limit": 10_001}, {"offset": -1}, {"district": "44"}, {"limit": "x"}):
        assert client.get("/api/addresses", params=params).status_code == 422


def test_layers(client: TestClient) -> None:
    for layer in ("districts", "towns", "communities"):
        doc = client.get(f"/api/layers/{layer}").json()
        assert doc["type"] == "FeatureCollection" and {"code", "name"} <= set(doc["features"][0]["properties"])
    cells = client.get("/api/layers/cells", params={"bbox": "113.07,22.57,113.09,22.59"}).json()
    assert 100 < len(cells["features"]) < 400
    assert client.get("/api/layers/cells", params={"bbox": "1,2,3"}).status_code == 422
    assert client.get("/api/layers/rivers").status_code == 404
