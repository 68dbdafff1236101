"""The command panel in real Chromium: recommendations for a chosen incident, a dispatch from the panel,
and the dispatched unit moving on the map as its JT/T 808 reports arrive."""

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
    page.page.click("#tabs [data-tab='incidents']")
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
    page.page.click("#tabs [data-tab='feed']")
