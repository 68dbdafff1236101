"""End to end: a hub whose store holds three days of 江海区's gauge history fits its model at start; the rising
rainstorm scenario is replayed through a real broker, and `--check`'s forecast-warning expectation (warnings
at least 5 min ahead of the measured crossings at three low points) holds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.store import open_store
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from simulators import scenario
from simulators.replay import check, default_start, replay
from tests.forecast.support import store_history
from tests.support import running_hub, wait_for

pytestmark = pytest.mark.integration
RISING = Path(scenario.__file__).parent / "scenarios" / "rainstorm-rising-jianghai.yaml"


def test_rising_rain_is_warned_ahead_of_the_crossings(embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    storm = scenario.load(RISING)
    start = default_start(storm)
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    assert store_history(store, 7, start - timedelta(days=3, minutes=10), 3, frozenset({"440704"})) > 5000
    store.close()
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False, incident_check_s=0,
                        health_check_s=0.5, mqtt_client_id=f"hub-{tmp_path.name}")
    with running_hub(settings) as hub:
        hub.hub.ingests["mqtt"].connected.wait(10)
        forecasts = hub.hub.monitoring.forecasts
        wait_for(lambda: "waterlogging" in forecasts.models, timeout=60, what="the model fitted from the store")
        publisher = MqttPublisher(settings.mqtt or "", "test-storm")
        replay(storm, publisher, seed=1, start=start, speed=2400)
        publisher.close()
        outcomes = check(storm, hub.url, start, wait=60)
        (warned,) = [o for o in outcomes if o.what.startswith("forecast warnings")]
        assert warned.met and not warned.skipped, warned.line()
        assert all(o.met for o in outcomes), [o.line() for o in outcomes]
        body = hub.get("/api/forecasts", kind="waterlogging").json()
        assert body["model"]["samples"] >= 100 and any(i["predicted"] for i in body["items"])
