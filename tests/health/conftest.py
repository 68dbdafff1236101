"""A hub whose health check runs often, with waterlogging sensors expected every second, and a real
waterlogging simulator (native OneNET pushes through its adapter) that can be stopped and resumed."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.water_waterlogging import ADAPTER
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from simulators.environment import Environment
from simulators.water import WaterloggingSensors
from tests.support import RunningHub, running_hub

CADENCES = """late_after: 1.5
offline_after: 3
flap: {changes: 2, window_s: 3600}
default: {cadence_s: null}
classes:
  waterlogging-sensor: {cadence_s: 3}  # short for the test, long enough for a loaded machine
record_fields: [device_id, name, department]
record_target: 0.8
"""


@pytest.fixture
def fast_hub(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningHub]:
    cadences = tmp_path / "cadences.yaml"
    cadences.write_text(CADENCES, encoding="utf-8")
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False,
                        mqtt_client_id=f"hub-{tmp_path.name}", incident_check_s=0,
                        health_check_s=0.2, device_cadences=cadences)
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running


class Sensors:
    """The waterlogging simulator for some of its devices, reporting every `every` seconds while running."""

    def __init__(self, url: str, count: int, every: float = 0.3) -> None:
        self.source = WaterloggingSensors(random.Random(5))
        self.devices = self.source.devices[:count]
        self.publisher = MqttPublisher(url, "test-sensors")
        self.every, self.running = every, threading.Event()
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        env = Environment()
        while not self._done.is_set():
            if self.running.wait(0.05):
                for device in self.devices:
                    raw = self.source.report(device, datetime.now(UTC), env, {})
                    self.publisher.publish(ADAPTER.topic, ADAPTER.adapt(raw))
                self.publisher.flush()
                self._done.wait(self.every)

    def close(self) -> None:
        self._done.set()
        self.thread.join(5)
        self.publisher.close()


@pytest.fixture
def sensors(fast_hub: RunningHub) -> Iterator[Sensors]:
    running = Sensors(fast_hub.hub.settings.mqtt or "", 2)
    yield running
    running.close()
