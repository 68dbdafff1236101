"""The hub's MQTT republish (QoS 0) against a real Mosquitto that stops reading: the writes waiting in the
hub stay bounded, the republish is shed and counted, and it flows again once the broker reads again."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from hub.transports.mqtt.client import REPUBLISH_QUEUE_LIMIT, WRITE_CHUNK, Client, connect, mqtt_client
from tests.support import wait_for
from tests.transport.brokers import Mosquitto

EVENT = b'{"kind":"event","uid":"u","type":"city.water.level","data":{"level_m":2.5}}' + b" " * 300
BATCH = [("hub/events/440703/water", EVENT)] * 2000  # ≈ 750 KB, as a batch of 2,000 normalized events


@pytest.fixture
def republisher(mosquitto: Mosquitto) -> Iterator[Client]:
    client = mqtt_client(mosquitto.url, "republish-test", v5=True, persistent=False)
    connect(client, mosquitto.url, v5=True, persistent=False)
    client.loop_start()
    wait_for(client.is_connected, what="the connection to Mosquitto")
    yield client
    client.disconnect()
    client.loop_stop()


def test_a_broker_that_stops_reading_gets_the_republish_shed_not_queued_without_end(
        mosquitto: Mosquitto, republisher: Client) -> None:
    assert republisher.publish_many(BATCH)  # a reading broker takes it all
    wait_for(lambda: not republisher._out_packet, what="the batch written")
    assert mosquitto.proc is not None
    mosquitto.proc.send_signal(signal.SIGSTOP)  # the broker process stops reading its sockets
    try:
        taken = shed = 0
        for _ in range(200):  # up to ≈ 150 MB offered: far past the socket buffers of loopback
            if republisher.publish_many(BATCH):
                taken += 1
            else:
                shed += 1
                if shed >= 5:
                    break
            assert len(republisher._out_packet) <= REPUBLISH_QUEUE_LIMIT + 2 * len(BATCH) * len(EVENT) // WRITE_CHUNK
        assert shed >= 5, f"{taken} batches queued while the broker was stopped, none shed"
        waiting = sum(len(p["packet"]) - p["pos"] for p in list(republisher._out_packet))
        assert waiting <= (REPUBLISH_QUEUE_LIMIT + 16) * WRITE_CHUNK  # a few MiB, whatever was offered
    finally:
        mosquitto.proc.send_signal(signal.SIGCONT)
    wait_for(lambda: not republisher._out_packet, timeout=30, what="the queued writes sent once the broker reads")
    assert republisher.is_connected()
    assert republisher.publish_many(BATCH)  # and the republish flows again
