"""A hub worker on a host of its own loses its network link to Mosquitto mid-stream for longer than the
MQTT keepalive (both sides give the connection up), then gets it back: the persistent session resumes, every
event published before, during and after the cut is stored exactly once, and /healthz says the truth
throughout."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.transports.mqtt.publisher import MqttPublisher
from tests.partition.island import Island, island
from tests.partition.worker import IslandHub
from tests.support import free_port, need, wait_for
from tests.transport.brokers import BrokerProcess, mosquitto_bin, mosquitto_command
from tests.transport.events import TOPIC, batch

# the hub's keepalive here (the default is 30 s): what the cut must outlast; a short one keeps the test short,
# and the property is the same at any length
KEEPALIVE_S = 8

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


class HostMosquitto(BrokerProcess):
    """Mosquitto on the host: on its loopback (the host's publishers) and on the host's end of the veth pair."""

    name = "mosquitto"

    def __init__(self, port: int, workdir: Path, address: str) -> None:
        super().__init__(port, workdir)
        self.address = address

    def command(self) -> list[str]:
        lines = [f"listener {self.port} 127.0.0.1", f"listener {self.port} {self.address}",
                 "allow_anonymous true", "persistence true", f"persistence_location {self.workdir}/",
                 "max_queued_messages 100000", "max_inflight_messages 1000",
                 f"log_dest file {self.workdir / 'broker.log'}", "log_type all"]
        return mosquitto_command(self.workdir, lines)

    @property
    def url(self) -> str:
        return f"mqtt://{self.address}:{self.port}"

    def log_file(self) -> str:
        """The broker's own log (written line by line, unlike its buffered standard output)."""
        path = self.workdir / "broker.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def land() -> Iterator[Island]:
    need(os.geteuid() == 0, "network namespaces need root")
    with island() as made:
        yield made


def test_a_cut_longer_than_the_keepalive_loses_and_doubles_nothing(land: Island, tmp_path: Path) -> None:
    need(mosquitto_bin() is not None, "mosquitto is not installed (apt-get install mosquitto)")
    broker = HostMosquitto(free_port(), tmp_path / "mosquitto", land.host_address)
    broker.start()
    hub = IslandHub(land, ["--mqtt", broker.url], tmp_path / "hub",
                    env={"CITYHUB_MQTT_CLIENT_ID": "island-hub", "CITYHUB_MQTT_KEEPALIVE_S": str(KEEPALIVE_S)})
    publisher = MqttPublisher(f"mqtt://127.0.0.1:{broker.port}", "host-publisher")
    try:
        hub.start()
        wait_for(lambda: hub.transport("mqtt").get("connected") is True, timeout=60, what="the hub subscribed")
        before = batch("part", 400)
        publisher.publish(TOPIC, before)
        publisher.flush()
        wait_for(lambda: len(hub.stored_ids("part-")) == 400, timeout=60, what="the first 400 stored")

        during = batch("part", 600, start=400)
        stop_publishing = threading.Event()

        def publish_paced() -> None:  # mid-stream: the cut comes while events are still coming
            for start in range(0, len(during), 20):
                publisher.publish(TOPIC, during[start:start + 20])
                if stop_publishing.wait(0.05):
                    return

        paced = threading.Thread(target=publish_paced)
        paced.start()
        wait_for(lambda: len(hub.stored_ids("part-")) >= 500, timeout=60, what="the stream under way")
        land.cut()
        paced.join(60)
        publisher.flush()  # the broker holds them: the hub's session is persistent
        # the hub gives the connection up after its keepalive with no answer, the broker after 1.5 × that
        wait_for(lambda: hub.transport("mqtt").get("connected") is False, timeout=4 * KEEPALIVE_S,
                 what="the hub to say it is not connected")
        wait_for(lambda: "island-hub has exceeded timeout" in broker.log_file(), timeout=3 * KEEPALIVE_S,
                 what="the broker to give the hub's connection up")
        health = hub.health()
        assert health is not None and health["transports"]["mqtt"]["connected"] is False
        stored_while_cut = len(hub.stored_ids("part-"))
        assert stored_while_cut < 1000  # the rest waits at the broker

        land.restore()
        after = batch("part", 200, start=1000)
        publisher.publish(TOPIC, after)
        publisher.flush()
        wait_for(lambda: len(hub.stored_ids("part-")) == 1200, timeout=120, what="all 1200 stored after the cut")
        wait_for(lambda: hub.transport("mqtt").get("connected") is True, timeout=30, what="the hub connected again")
        stored = hub.stored_ids("part-")
        assert set(stored) == {e["id"] for e in before + during + after}
        assert max(stored.values()) == 1, [i for i, n in stored.items() if n > 1][:5]
        assert hub.transport("mqtt")["connections"] >= 2
        assert publisher.dropped == 0
    finally:
        publisher.close(timeout=5)
        hub.stop()
        broker.stop()
