"""The operator's screen on one hub for the whole module: filters, the case flow, address search, history
replay, the device registry layer, the language switch and the three layouts (一屏两端)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from hub.registry import load_registry
from tests.browser.conftest import CHINA, OPERATOR, City, parking_events, uids, waterlogging
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]
VISIBLE = "(domain) => CH.layers.visible().filter((e) => e.domain === domain).length"


def test_a_domain_filter_hides_its_events_and_a_district_filter_the_rest(city: City) -> None:
    page = city.page
    city.publish("city/parking/lots", parking_events(4, prefix="JM-PK-F"))
    city.publish("city/water/waterlogging", [waterlogging(5, device="WL-0201"), waterlogging(6, device="WL-0202")])
    page.wait(f"({VISIBLE})('parking') >= 4 && ({VISIBLE})('water') >= 2")

    page.page.click("#f-domains [data-domain='parking']")
    page.wait(f"({VISIBLE})('parking') === 0 && ({VISIBLE})('water') >= 2")
    page.wait("!document.querySelector('#feed').innerText.includes('停车')")

    page.page.select_option("#f-district", "440781")  # 台山市: none of them is there
    page.wait(f"({VISIBLE})('water') === 0 && window.CITYHUB_RENDERED === 0")
    page.page.click("#f-reset")
    page.wait(f"({VISIBLE})('parking') >= 4 && ({VISIBLE})('water') >= 2")


def test_an_operator_moves_an_incident_along_the_case_flow_from_the_panel(city: City) -> None:
    page, hub = city.page, city.hub
    city.publish("city/water/waterlogging", [waterlogging(27, device="WL-0301")])  # deep: an alarm, an incident
    wait_for(lambda: any(i["state"] == "reported" for i in hub.get("/api/incidents").json()["items"]),
             what="an incident opened by the alarm")
    incident = next(i for i in hub.get("/api/incidents").json()["items"] if i["state"] == "reported")
    row = f"#incident-list [data-incident='{incident['id']}']"

    page.page.click("#tabs [data-tab='incidents']")
    page.page.wait_for_selector(row, timeout=60_000)
    page.page.fill("#token", OPERATOR)
    page.page.click("#token-form button")
    page.page.fill("#incident-note", "网格员现场核实，予以立案")
    page.page.click(f"{row} button[data-to='registered']")

    wait_for(lambda: hub.get(f"/api/incidents/{incident['id']}").json()["state"] == "registered",
             what="the incident registered through the API")
    steps = hub.get(f"/api/incidents/{incident['id']}").json()["steps"]
    assert steps[-1]["to_state"] == "registered" and steps[-1]["note"] == "网格员现场核实，予以立案"
    page.wait(f"document.querySelector(\"{row} .state\").dataset.state === 'registered'")
    assert "派遣" in page.page.inner_text(row)  # the next step the flow allows
    page.page.click("#tabs [data-tab='feed']")


def test_search_by_address_flies_to_the_standard_address(city: City) -> None:
    page = city.page
    page.page.fill("#search-q", "蓬江区白沙路401号")
    page.page.click("#search button")
    page.wait("document.getElementById('search-out').innerText.includes('440703002102003')")
    assert "江门市蓬江区白沙街道白沙路401号" in page.page.inner_text("#search-out")
    page.wait("CH.view.zoom > 14 && Math.abs(CH.view.longitude - 113.0852) < 0.01")
    page.js("CH.ui.fitCity.done = ''; CH.ui.fitCity()")


def test_a_past_period_plays_back_from_the_history_api(city: City) -> None:
    page = city.page
    then = datetime.now(CHINA) - timedelta(minutes=40)
    past = parking_events(3, when=then, prefix="JM-PK-R")
    city.publish("city/parking/lots", past)
    wait_for(lambda: all(city.hub.hub.store.event(u) for u in uids(past)), what="the past events stored")

    fmt = "%Y-%m-%dT%H:%M"
    page.page.fill("#r-since", (then - timedelta(minutes=20)).strftime(fmt))
    page.page.fill("#r-until", (then + timedelta(minutes=10)).strftime(fmt))
    page.page.click("#r-load")
    page.wait("CH.replay.active && CH.replay.state.events.length >= 3")
    assert page.js("(u) => u.every((x) => CH.replay.state.events.some((e) => e.uid === x))", uids(past))
    start = page.js("CH.replay.cursor")
    page.page.click("#r-play")  # play: the cursor runs …
    page.wait("(t) => CH.replay.cursor > t", start)
    page.page.click("#r-play")  # … pause, then scrub
    page.wait("!CH.replay.state.playing")
    scrub = "(v) => { const s = document.getElementById('r-slider'); s.value = v; s.dispatchEvent(new Event('input')) }"
    page.js(scrub, 0)
    page.wait("window.CITYHUB_RENDERED === 0")  # the period's start: nothing yet
    page.js(scrub, 1000)
    page.wait("window.CITYHUB_RENDERED >= 3")  # its end: the lots are on the map
    page.page.click("#r-exit")
    page.wait("!CH.replay.active")


def test_the_device_registry_layer_loads_on_demand_and_the_interface_switches_language(city: City) -> None:
    page = city.page
    devices = len(load_registry())
    assert devices > 0
    reply = httpx.get(city.hub.url + "/api/map/registry", params={"district": "440703"}, timeout=10).json()
    assert reply["count"] == len(reply["devices"]) > 0 and all(d["district_code"] == "440703" for d in reply["devices"])
    assert httpx.get(city.hub.url + "/api/map/registry", params={"bbox": "1,2"}, timeout=10).status_code == 422

    page.page.check("#layer-toggles [data-layer='devices']")
    page.wait("(n) => deckInstance.props.layers.some((l) => l.id === 'devices' && l.props.data.length === n)", devices)
    page.page.uncheck("#layer-toggles [data-layer='devices']")

    page.page.click("#lang")
    page.wait("document.querySelector('#top h1').innerText === 'Jiangmen Unified City Operations'")
    assert page.page.inner_text("#tabs [data-tab='analysis']") == "Analysis"
    page.page.click("#lang")
    page.wait("document.querySelector('#top h1').innerText === '江门市城市运行一网统管'")


LAYOUTS = [(3840, 2160, "wall"), (1920, 1080, "wall"), (1440, 900, "desktop"), (390, 844, "mobile")]
FITS = """() => {
  const w = innerWidth, h = innerHeight, doc = document.documentElement, out = [];
  if (doc.scrollWidth > w || doc.scrollHeight > h) out.push(`document ${doc.scrollWidth}x${doc.scrollHeight}`);
  // the page's regions; charts inside a scrolling panel (desktop, mobile) scroll with it and are not checked
  const regions = ['#top', '#map-wrap', '#tabs', '#strip', '#left-charts', '.panel', '#strip .chart',
    '#left-charts .chart'];
  for (const el of document.querySelectorAll(regions.join(','))) {
    if (!el.offsetParent && el.id !== 'top') continue;
    const r = el.getBoundingClientRect(), box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(',');
    if (r.width && (r.left < -0.5 || r.top < -0.5 || r.right > w + 0.5 || r.bottom > h + 0.5))
      out.push(`${el.id || el.className} ${box}`);
  }
  const top = document.getElementById('top');
  if (top.scrollWidth > top.clientWidth + 1) out.push(`header ${top.scrollWidth} > ${top.clientWidth}`);
  return out;
}"""


def test_each_layout_fits_its_screen_without_overflow(city: City) -> None:
    page = city.page
    for width, height, layout in LAYOUTS:
        page.page.set_viewport_size({"width": width, "height": height})
        page.wait(f"document.body.dataset.layout === '{layout}'")
        page.wait("(a) => document.getElementById('map').clientWidth * document.getElementById('map').clientHeight"
                  " >= a", width * height * 0.2)  # the map keeps a good share of the screen
        assert page.js(FITS) == [], f"{width}×{height} ({layout}) overflows"
        if layout == "wall":  # every analysis view beside the map, drawn
            page.wait("Array.from(document.querySelectorAll('.chart .plot')).filter((p) => p.offsetParent"
                      " && p.firstElementChild).length >= 12")
        if layout == "mobile":  # one panel at a time under the map, switched by tabs
            page.page.click("#tabs [data-tab='analysis']")
            page.wait("document.querySelectorAll('#analysis .chart').length === 12"
                      " && !document.getElementById('analysis').classList.contains('off')")
            assert page.js(FITS) == [], "mobile analysis tab overflows"
            page.page.click("#tabs [data-tab='feed']")
    page.page.set_viewport_size({"width": 1440, "height": 900})
