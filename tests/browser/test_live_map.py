"""The live map shows what the broker carries, explains it, and keeps going across a hub restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.runtime import Hub
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from tests.browser.conftest import MapPage, Publish, parking_events, stored, uids
from tests.support import RunningHub, free_port, running_hub, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]
LOTS = "city/parking/lots"
ON_SCREEN = """(u) => {
  const e = CH.state.get(u), box = document.getElementById('map').getBoundingClientRect();
  const [x, y] = deckInstance.getViewports()[0].project([e.lon, e.lat]);
  return [box.left + x, box.top + y];
}"""


def test_events_published_to_the_broker_show_up_with_their_place_and_raw_original(
        hub_on_embedded: RunningHub, map_page: MapPage, publish: Publish) -> None:
    map_page.open(hub_on_embedded.url)
    events = parking_events(5)
    publish(LOTS, events)
    map_page.wait("window.CITYHUB_RENDERED >= 5")
    on_map = map_page.js("(uids) => uids.filter((u) => CH.state.get(u)).length", uids(events))
    assert on_map == 5
    map_page.wait("document.querySelectorAll('#feed li[data-uid]').length >= 5")
    assert "停车" in map_page.page.inner_text("#feed")

    first = uids(events)[0]
    map_page.page.click(f"#feed li[data-uid='{first}']")
    map_page.wait("document.querySelector('#detail pre.raw') !== null")
    detail = map_page.page.inner_text("#detail")
    raw = map_page.page.inner_text("#detail pre.raw")
    # the raw original, decoded from base64: the CloudEvent exactly as it came off the broker
    assert '"specversion": "1.0"' in raw and '"source": "/jiangmen/parking/lots/JM-PK-T000"' in raw
    grid_code = map_page.js("(u) => CH.state.get(u).grid_code", first)
    assert grid_code and grid_code.startswith("440703") and grid_code in detail  # its place on the unit grid
    assert "蓬江区" in detail

    # hovering the event on the map shows the same: what, where on the grid, and the raw original
    map_page.page.click("#detail-close")
    map_page.wait("CH.view.zoom > 13.5")  # the click flew the map to the event
    x, y = map_page.js(ON_SCREEN, first)
    map_page.page.mouse.move(x, y)
    map_page.wait("(g) => { const t = document.getElementById('tip'); return !t.hidden && t.innerText.includes(g)"
                  " && t.querySelector('pre.raw').innerText.includes('specversion'); }", grid_code)
    assert "停车" in map_page.page.inner_text("#tip")


def test_the_page_reconnects_after_a_hub_restart_and_fills_the_gap_from_history(
        embedded_broker: EmbeddedBroker, tmp_path: Path, map_page: MapPage, publish: Publish) -> None:
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False, port=free_port(),
                        mqtt_client_id=f"hub-{tmp_path.name}", incident_check_s=0)
    before = parking_events(2, prefix="JM-PK-A")
    with running_hub(settings) as first:
        first.hub.ingests["mqtt"].connected.wait(10)
        map_page.open(first.url)
        publish(LOTS, before)
        map_page.wait("window.CITYHUB_RENDERED >= 2")
    map_page.wait("!window.CITYHUB.connected && document.getElementById('status').dataset.state === 'down'")

    # while the page is away, the hub (ingest only, no HTTP) stores an event the page never hears live
    during = parking_events(1, prefix="JM-PK-B")
    offline = Hub(settings)
    offline.start()
    try:
        offline.ingests["mqtt"].connected.wait(10)
        publish(LOTS, during)
        wait_for(lambda: offline.store.event(uids(during)[0]) is not None, what="the event stored while away")
    finally:
        offline.stop()

    with running_hub(settings) as second:
        second.hub.ingests["mqtt"].connected.wait(10)
        map_page.wait("window.CITYHUB.connected && window.CITYHUB.reconnects >= 1", timeout=30_000)
        map_page.wait("(u) => CH.state.get(u) !== null", uids(during)[0])  # from GET /api/events?since=
        assert map_page.js("window.CITYHUB.gapFilled") >= 1
        after = parking_events(1, prefix="JM-PK-C")
        publish(LOTS, after)
        map_page.wait("(u) => CH.state.get(u) !== null", uids(after)[0])  # and live again
        assert map_page.page.get_attribute("#status", "data-state") == "live"
        stored(second, 4)


def test_with_a_viewer_token_the_map_asks_for_it_and_then_streams(
        embedded_broker: EmbeddedBroker, tmp_path: Path, map_page: MapPage, publish: Publish) -> None:
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False, incident_check_s=0,
                        mqtt_client_id=f"hub-{tmp_path.name}", viewer_token="view-map-91d2")
    with running_hub(settings) as hub:
        hub.hub.ingests["mqtt"].connected.wait(10)
        map_page.page.goto(hub.url + "/")
        map_page.wait("document.getElementById('status').dataset.state === 'token'")  # refused without it
        map_page.page.fill("#token", "view-map-91d2")
        map_page.page.click("#token-form button")
        map_page.wait("window.CITYHUB.connected", timeout=90_000)  # the next attempt carries it
        events = parking_events(2, prefix="JM-PK-V")
        publish(LOTS, events)
        map_page.wait("(u) => u.every((x) => CH.state.get(x))", uids(events))
        map_page.page.click("#tabs [data-tab='analysis']")
        map_page.wait("document.querySelector('.chart[data-view=\"district\"] .plot svg') !== null")  # read with it
