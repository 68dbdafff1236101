"""The command routes through a real hub: resources with filters, recommendations, surroundings; bad input 422."""

from __future__ import annotations

import pytest

from tests.api.conftest import (  # noqa: F401
    OPERATOR,
    VIEWER,
    db,
    event,
    fire_alarm,
    hub,
    pg_api_db,
    post,
    publish,
    wait_incidents,
)
from tests.support import RunningHub, wait_for

HYDRANT = ("867591058100052", (112.790163, 22.244904))  # 台城街道, from the device registry


def test_resources_filtered_by_kind_district_and_status(hub: RunningHub) -> None:  # noqa: F811
    everything = hub.get("/api/resources").json()
    assert everything["numberReturned"] > 100 and "available" in everything["statuses"]
    assert all(site["provenance"] == "generated" and site["grid_code"] for site in everything["items"])
    stations = hub.get("/api/resources", kind="fire-station", district="440781").json()["items"]
    assert stations and all(s["kind"] == "fire-station" and s["district_code"] == "440781" for s in stations)
    engines = hub.get("/api/resources", kind="engine").json()["items"]
    assert engines and all(u["capability"] == "engine" for s in engines for u in s["units"])
    depots = hub.get("/api/resources", kind="supply-depot").json()["items"]
    assert all(set(d["stock"]) == {"sandbags", "pumps", "generators", "life_jackets"} for d in depots)
    assert hub.get("/api/resources", status="on-scene").json()["items"] == []
    for bad in ({"kind": "castle"}, {"status": "asleep"}, {"district": "44"}):
        answer = hub.get("/api/resources", **bad)
        assert answer.status_code == 422 and answer.json()["detail"]


def test_recommendations_and_surroundings_of_a_fire(hub: RunningHub, publish) -> None:  # noqa: F811
    device, at = HYDRANT
    publish(event("fire", "hydrant", device, "city.fire.hydrant.pressure",
                  {"hydrant_id": device, "pressure_mpa": 0.09, "state": "low_pressure"}, at))
    publish(fire_alarm("fire", at=(at[0] + 0.001, at[1])))
    incident = wait_incidents(hub, 1)[0]
    rec = hub.get(f"/api/incidents/{incident['id']}/recommendations").json()
    assert rec["plan"]["group"] == "fire" and rec["capabilities"][0]["units"][0]["eta_s"] > 0
    wait_for(lambda: bool(hub.get("/api/events", type="city.fire.hydrant.pressure").json()["features"]),
             what="the hydrant reading stored")
    around = hub.get(f"/api/incidents/{incident['id']}/surroundings", radius=800).json()
    hydrant = next(h for h in around["hydrants"] if h["device_id"] == device)
    assert hydrant["latest"]["city.fire.hydrant.pressure"]["data"]["pressure_mpa"] == 0.09
    assert all(h["distance_m"] <= 800 for h in around["hydrants"])
    etas = [s["eta_s"] for s in around["hospitals"]]
    assert etas and etas == sorted(etas)
    assert around["shelters"] and "weather_warnings" in around and "incidents_nearby" in around
    assert hub.get(f"/api/incidents/{incident['id']}/surroundings", radius=1).status_code == 422
    assert hub.get("/api/incidents/99999/surroundings").status_code == 404
    assert hub.get("/api/incidents/99999/recommendations").status_code == 404


def test_resources_as_an_ogc_collection(hub: RunningHub) -> None:  # noqa: F811
    ids = [c["id"] for c in hub.get("/ogc/collections").json()["collections"]]
    assert "resources" in ids
    page = hub.get("/ogc/collections/resources/items", bbox="112.7,22.2,112.9,22.3", limit=500).json()
    assert page["features"] and all(112.7 <= f["geometry"]["coordinates"][0] <= 112.9 for f in page["features"])
    one = page["features"][0]
    alone = hub.get(f"/ogc/collections/resources/items/{one['id']}").json()
    assert alone["properties"]["name"] == one["properties"]["name"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # both stores: tests/command/test_recall.py
def test_dispatch_routes_and_recall_over_http(hub: RunningHub, publish) -> None:  # noqa: F811
    publish(fire_alarm("fire"))
    incident = wait_incidents(hub, 1)[0]
    engine = next(c for c in hub.get(f"/api/incidents/{incident['id']}/recommendations").json()["capabilities"]
                  if c["capability"] == "engine")["units"][0]
    sent = post(hub, f"/api/incidents/{incident['id']}/dispatches", {"unit": engine["unit"]}).json()
    (active,) = hub.get("/api/dispatches").json()["items"]  # any screen draws it from here
    assert active["id"] == sent["id"] and active["route"]["path"]["geometry"] == sent["route"]["geometry"]
    assert active["route"]["remaining"]["geometry"]["type"] == "LineString" and active["route"]["eta_at"]
    (mine,) = hub.get(f"/api/incidents/{incident['id']}/dispatches").json()["items"]
    assert mine["route"]["eta_s"] == sent["eta_s"]
    recall = f"/api/incidents/{incident['id']}/dispatches/{sent['id']}/recall"
    assert post(hub, recall, {"reason": "误报"}, token=None).status_code == 401
    assert post(hub, recall, {"reason": "误报"}, token=VIEWER).status_code in (401, 403)
    assert post(hub, recall, {"reason": ""}).status_code == 422
    assert post(hub, recall, {}).status_code == 422
    missing = post(hub, f"/api/incidents/{incident['id']}/dispatches/99999/recall", {"reason": "误报"})
    assert missing.status_code == 404 and missing.json()["detail"]
    back = post(hub, recall, {"reason": "误报，已核实无火情", "by": "张三"})
    assert back.status_code == 200 and back.json()["status"] == "recalled"
    again = post(hub, recall, {"reason": "误报"})
    assert again.status_code == 409 and "recalled already" in again.json()["detail"]
    steps = hub.get(f"/api/incidents/{incident['id']}").json()["steps"]
    assert steps[-1]["action"] == "recall" and "误报，已核实无火情" in steps[-1]["note"] and "张三" in steps[-1]["who"]
    assert hub.get("/api/dispatches").json()["items"] == []
    offered = next(c for c in hub.get(f"/api/incidents/{incident['id']}/recommendations").json()["capabilities"]
                   if c["capability"] == "engine")["units"]
    assert offered[0]["unit"] == engine["unit"]  # the recalled engine is offered again
