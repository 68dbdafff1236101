"""The health tab and its map layers in real Chromium: a device that stopped reporting on the offline layer,
a forecast warning's ring with its expected crossing time, and the source's quality row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapters.base import cloudevent
from hub.forecast.model import FEATURES, Fitted
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.browser.conftest import CHINA, MapPage
from tests.support import RunningHub, running_hub, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]
POINT = "582303001"  # 内涝监测点1号
CADENCES = """late_after: 1.5
offline_after: 3
default: {cadence_s: null}
classes:
  waterlogging-sensor: {cadence_s: 1}
"""


@pytest.fixture
def health_hub(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningHub]:
    cadences = tmp_path / "cadences.yaml"
    cadences.write_text(CADENCES, encoding="utf-8")
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False, incident_check_s=0,
                        health_check_s=0.3, device_cadences=cadences, mqtt_client_id=f"hub-{tmp_path.name}")
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running


def depth(cm: float, minutes_ago: float) -> dict[str, object]:
    when = datetime.now(CHINA) - timedelta(minutes=minutes_ago)
    return cloudevent(f"/jiangmen/water/waterlogging/{POINT}", "city.water.waterlogging", f"{POINT}-{minutes_ago}",
                      when, {"sensor_id": POINT, "depth_cm": cm, "level": "shallow"})


def test_offline_devices_forecast_rings_and_quality(health_hub: RunningHub, map_page: MapPage) -> None:
    forecasts = health_hub.hub.monitoring.forecasts
    # a given model (the trend carried on), so the test knows the forecast; fitting is tested in tests/forecast
    forecasts.models["waterlogging"] = Fitted("waterlogging", {h: [h / 30 if f == "value_change_30m" else 0.0
                                                                   for f in FEATURES] for h in (30, 60, 120)}, 1000,
                                              {30: 0.0, 60: 0.0, 120: 0.0})
    publisher = MqttPublisher(health_hub.hub.settings.mqtt or "", "test-health-map")
    publisher.publish("city/water/waterlogging", [depth(cm, ago) for cm, ago in [(1.0, 35), (3.0, 20), (7.0, 5)]])
    publisher.close()
    wait_for(lambda: health_hub.get("/api/forecasts").json()["warnings_in_force"] == 1, what="a forecast warning")
    wait_for(lambda: health_hub.get(f"/api/devices/{POINT}").json()["state"] == "offline", what="the sensor offline")

    health_hub.hub.warm.wait(90)  # the geography, which the map page is built from
    map_page.open(health_hub.url)
    map_page.page.click("#tabs [data-tab='health']")
    map_page.js("() => CH.health.load()")
    map_page.wait("document.querySelector('#health-offline-count') && "
                  "+document.querySelector('#health-offline-count').textContent >= 1")
    map_page.wait("+document.querySelector('#health-warning-count').textContent === 1")
    assert "内涝监测点1号" in map_page.page.inner_text("#health-warnings")
    map_page.wait("document.querySelector('#health-quality tr[data-source=\"water-waterlogging\"]') !== null")
    map_page.wait("deckInstance.props.layers.some((l) => l.id === 'health-ring-times')")
    ids = map_page.js("() => deckInstance.props.layers.map((l) => l.id)")
    assert {"health-offline", "health-rings", "health-ring-times"} <= set(ids)
    label = map_page.js("() => deckInstance.props.layers.find((l) => l.id === 'health-ring-times').props.data[0]")
    crossing = health_hub.get("/api/forecasts").json()["items"]
    expected = next(i for i in crossing if i["point_id"] == POINT)["expected_crossing_at"]
    assert label["expected_crossing_at"] == expected and expected is not None

    map_page.page.uncheck("input[data-health='offline']")
    map_page.wait("!deckInstance.props.layers.some((l) => l.id === 'health-offline')")
    map_page.check()
