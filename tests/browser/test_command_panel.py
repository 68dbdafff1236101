"""The command panel in real Chromium: recommendations for a chosen incident, a dispatch from the panel,
the dispatched unit moving on the map as its JT/T 808 reports arrive, its route drawn again from the
server after a reload, and a recall from the panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.vehicle_jt808 import ADAPTER
from simulators.command_units import Crew, frame
from tests.browser.conftest import BAISHA, OPERATOR, City, waterlogging
from tests.support import wait_for


def test_recommendations_dispatch_and_a_moving_unit(city: City) -> None:
    page, hub = city.page, city.hub
    city.publish("city/water/waterlogging", [waterlogging(45, at=BAISHA, device="WL-0427")])  # severe: a flood
    wait_for(lambda: any(i["group"] == "flood" for i in hub.get("/api/incidents").json()["items"]),
             what="a flood incident")
    incident = next(i for i in hub.get("/api/incidents").json()["items"] if i["group"] == "flood")
    row = f"#incident-list [data-incident='{incident['id']}']"
    page.page.click("#tabs [data-tab='incidents']", timeout=90_000)
    page.page.wait_for_selector(row, timeout=60_000)
    page.page.fill("#token", OPERATOR)
    page.page.click("#token-form button")
    page.page.click(f"{row} .row b", timeout=90_000)
    page.page.wait_for_selector("#command-panel [data-capability='pump'] [data-rec]", timeout=60_000)
    first = page.page.get_attribute("#command-panel [data-capability='pump'] [data-rec]", "data-rec")
    rec = hub.get(f"/api/incidents/{incident['id']}/recommendations").json()
    pump = next(c for c in rec["capabilities"] if c["capability"] == "pump")
    assert first == pump["units"][0]["unit"]  # the panel shows the server's ranking
    assert "分钟" in page.page.inner_text(f"#command-panel [data-rec='{first}']")

    page.page.click(f"#command-panel [data-rec='{first}'] button[data-unit]", timeout=90_000)
    wait_for(lambda: any(d["unit_id"] == first for d in hub.get(f"/api/incidents/{incident['id']}/dispatches").json()
                         ["items"]), what="the dispatch through the API")
    page.wait(f"document.querySelector(\"#command-committed [data-committed='{first}']\") !== null")
    page.wait("window.CH.command.routes().length === 1")

    unit = hub.hub.command.registry.units[first]
    path = hub.hub.command.roads.timed_path((pump["units"][0]["lon"], pump["units"][0]["lat"]),
                                            (incident["lon"], incident["lat"]))
    crew = Crew(unit, path[0][:2], task="en-route", incident_id=incident["id"])
    start = datetime.now(UTC) - timedelta(seconds=10)
    for k, (lon, lat, _) in enumerate(path[1: len(path) // 2: max(1, len(path) // 8)]):
        city.publish(ADAPTER.topic, ADAPTER.adapt(frame(crew, (lon, lat, 40.0, 90.0), start + timedelta(seconds=k))))
    last = path[1: len(path) // 2: max(1, len(path) // 8)][-1]
    page.wait("(([id, lon, lat]) => window.CH.command.units().some((u) => u.id === id && u.status === 'en-route'"
              " && Math.abs(u.lon - lon) < 1e-5 && Math.abs(u.lat - lat) < 1e-5))", [first, last[0], last[1]])
    committed = f"#command-committed [data-committed='{first}']"
    page.wait(f"document.querySelector(\"{committed}\").dataset.status === 'en-route'")

    # a reload (or a second screen) draws the route from the server: what is left of it, from where the unit is
    page.page.reload()  # the journeys are polled, not sent on the live channel: no need to wait for it
    page.wait("(([id, lon, lat]) => window.CH.command.routes().some((r) => r.unit === id"
              " && Math.abs(r.coordinates[0][0] - lon) < 1e-5 && Math.abs(r.coordinates[0][1] - lat) < 1e-5))",
              [first, last[0], last[1]])

    page.js("(id) => window.CH.command.choose(id)", str(incident["id"]))  # the panel as a click on the list opens it
    page.page.wait_for_selector(f"{committed} button[data-recall]", timeout=60_000)
    page.page.fill("#command-recall-reason", "现场已由属地处置")
    page.page.click(f"{committed} button[data-recall]", timeout=60_000)
    page.wait("window.CH.command.routes().length === 0"
              f" && document.querySelector(\"{committed}\").dataset.status === 'recalling'")
    (recalled,) = hub.get(f"/api/incidents/{incident['id']}/dispatches").json()["items"]
    assert recalled["status"] == "recalling"  # the unit has reported: the recall waits on its feed
    steps = hub.get(f"/api/incidents/{incident['id']}").json()["steps"]
    assert steps[-1]["action"] == "recall" and "现场已由属地处置" in steps[-1]["note"]
    page.page.click("#tabs [data-tab='feed']")
