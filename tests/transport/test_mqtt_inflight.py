"""How many unacknowledged messages the hub's MQTT session holds, and what keeps that session alive, against
a real Mosquitto started from config/mosquitto.conf.

- Before any PUBACK the broker sends at most the hub's Receive Maximum (v5), or its own
  `max_inflight_messages` (v3.1.1): 1,000. (Mosquitto 2.0.11, the packaged one, no longer holds to that once
  PUBACKs come in order: each PUBACK of the oldest message in flight lets up to 1,000 more out, upstream
  issue #2306, fixed in 2.0.13. So a hub that falls behind on that broker fills its whole inbox.)
- With its inbox full, the network thread waits for room; it must still keep the connection alive. It used
  to block without writing anything, so a store that stalled longer than 1.5 × the keepalive got the hub
  disconnected by the broker ("exceeded timeout"), and the reconnect brought back everything not yet
  acknowledged a second time.

The pipeline here is a recorder whose store can be held; the broker, paho and the hub's client are real.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from hub.events import Message
from hub.transports.mqtt.client import RECEIVE_MAXIMUM, connect, mqtt_client
from hub.transports.mqtt.ingest import MqttIngest
from tests.support import wait_for
from tests.transport.brokers import Mosquitto


class HeldStore:
    """Records every message it is given; `process` waits while the gate is closed (a stalled store)."""

    def __init__(self) -> None:
        self.sinks: list[object] = []
        self.seen: Counter[bytes] = Counter()
        self.taken = 0  # messages handed to process(), including those of a batch still held
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()

    def process(self, messages: list[Message]) -> None:
        with self.lock:
            self.taken += len(messages)
        self.gate.wait()
        with self.lock:
            self.seen.update(m.payload for m in messages)


def publish(url: str, count: int, tag: str) -> None:
    """`count` QoS 1 messages to city/test/inflight, all acknowledged by the broker on return."""
    client = mqtt_client(url, f"inflight-pub-{tag}", v5=False, persistent=False)
    client.max_inflight_messages_set(0)
    connect(client, url, v5=False, persistent=False)
    client.loop_start()
    try:
        infos = [client.publish("city/test/inflight", f"{tag}-{n}".encode(), qos=1) for n in range(count)]
        for info in infos:
            info.wait_for_publish(30)
        assert all(info.is_published() for info in infos)
    finally:
        client.disconnect()
        client.loop_stop()


def held(ingest: MqttIngest, store: HeldStore) -> int:
    """Messages the hub has received and not acknowledged: in its inbox or in the held batch."""
    with store.lock:
        return ingest.worker.inbox.qsize() + store.taken - sum(store.seen.values())


@pytest.fixture
def started() -> Iterator[list[MqttIngest]]:
    hubs: list[MqttIngest] = []
    yield hubs
    for ingest in hubs:
        ingest._closing = True
        ingest.client.disconnect()
        ingest.client.loop_stop()


def start(url: str, store: HeldStore, started: list[MqttIngest], **kwargs: object) -> MqttIngest:
    ingest = MqttIngest(store, url, **kwargs)  # type: ignore[arg-type]
    started.append(ingest)
    ingest.start()
    assert ingest.connected.wait(20), "the hub did not connect, or had no SUBACK for city/+/+"
    return ingest


def round_trip(ingest: MqttIngest) -> None:
    """A SUBACK on the hub's connection: the broker queued it after every PUBLISH it had released before."""
    done = threading.Event()
    hubs_own = ingest.client.on_subscribe
    ingest.client.on_subscribe = lambda *args: (hubs_own(*args), done.set())
    ingest.client.subscribe("cityhub-test/round-trip", qos=1)
    assert done.wait(20), "no SUBACK"


@pytest.mark.parametrize("v5", [True, False], ids=["mqtt5", "mqtt311"])
def test_before_any_puback_the_broker_sends_at_most_the_receive_maximum(
        mosquitto: Mosquitto, started: list[MqttIngest], v5: bool) -> None:
    store = HeldStore()
    store.gate.clear()  # the store never finishes: nothing is acknowledged
    ingest = start(mosquitto.url, store, started, client_id=f"inflight-rm-{v5}", v5=v5)
    publish(mosquitto.url, 3 * RECEIVE_MAXIMUM, "rm")
    wait_for(lambda: held(ingest, store) >= RECEIVE_MAXIMUM, what="the first 1,000 messages in the hub")
    round_trip(ingest)
    assert held(ingest, store) == RECEIVE_MAXIMUM
    connected = [line for line in mosquitto.log_tail(200).splitlines() if f"as inflight-rm-{v5} " in line]
    # what the hub's CONNECT said: MQTT 5 or 3.1.1 (Mosquitto logs it as p5 / p2), no clean start, keepalive 30 s
    assert connected and connected[-1].endswith(f"(p{5 if v5 else 2}, c0, k30).")
    store.gate.set()
    wait_for(lambda: sum(store.seen.values()) == 3 * RECEIVE_MAXIMUM, what="all stored once the store moves")
    assert set(store.seen.values()) == {1} and ingest.connections == 1


@pytest.mark.parametrize("v5", [True, False], ids=["mqtt5", "mqtt311"])
def test_a_hub_with_a_full_inbox_stays_connected_while_its_store_stalls(
        mosquitto: Mosquitto, started: list[MqttIngest], v5: bool) -> None:
    """Keepalive 2 s: Mosquitto drops a client it has heard nothing from for 3 s (it looks every 5 s). The store
    stalls for 10 s while the inbox (200) is full and the network thread waits for room."""
    store = HeldStore()
    ingest = start(mosquitto.url, store, started, client_id=f"inflight-stall-{v5}", v5=v5, keepalive=2,
                   inbox_capacity=200)
    store.gate.clear()
    publish(mosquitto.url, 3000, "stall")
    wait_for(lambda: ingest.worker.inbox.qsize() == 200, what="the inbox full")
    time.sleep(10)  # the stall (setup, not a measurement)
    store.gate.set()
    wait_for(lambda: len(store.seen) == 3000, timeout=60, what="all 3,000 stored")
    assert ingest.worker.drain(20), "the last batches not acknowledged"
    assert ingest.unacked == 0
    assert "exceeded timeout" not in mosquitto.log_tail(200)
    assert ingest.connections == 1 and ingest.stale_acks == 0
    assert set(store.seen.values()) == {1}, "a message came twice: the session was dropped and redelivered"
    # and what it acknowledged is gone from the broker: a new session of the same client id gets nothing
    ingest._closing = True
    ingest.client.disconnect()
    ingest.client.loop_stop()
    # (once the broker has read the PUBACKs and the DISCONNECT: a session taken over at once loses what the
    # broker had not read yet from the old connection)
    wait_for(lambda: f"Client inflight-stall-{v5} disconnected." in mosquitto.log_tail(50),
             what="the broker done with the first connection")
    again = HeldStore()
    start(mosquitto.url, again, started, client_id=f"inflight-stall-{v5}", v5=v5)
    publish(mosquitto.url, 1, "after")
    wait_for(lambda: b"after-0" in again.seen, what="the message published after the restart")
    assert list(again.seen) == [b"after-0"]

