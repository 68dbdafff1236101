"""The ingest and live-stream hot paths: paho's network thread with buffered reads and the direct publish
path, PUBACKs and republishes queued per batch, the batch hand-off, and the live stream's shared frames.

The MQTT tests run against a real Mosquitto: whatever the reading does with packet boundaries, every
message arrives whole and in order, and a PUBACK queued by `ack_many` is what tells the broker a message
is done (an unacknowledged one comes back to the next session of a persistent client)."""

from __future__ import annotations

import asyncio
import threading

import orjson
import paho.mqtt.client as paho
import pytest

from hub.events import Message
from hub.live import Client as LiveClient
from hub.live import LiveStream
from hub.transports.batching import BatchWorker, Inbox, InFlight
from hub.transports.mqtt.client import READ_CHUNK, Client, connect, mqtt_client
from tests.support import wait_for
from tests.transport.brokers import Mosquitto

Received = tuple[str, bytes, int, int]


class Receiver:
    """A persistent, manually acknowledging client whose QoS 0/1 publishes take the direct path."""

    def __init__(self, url: str, client_id: str, *, v5: bool, batch: bool = False) -> None:
        self.got: list[Received] = []
        self.acked = 0
        self.slow: list[paho.MQTTMessage] = []  # what took paho's own path (MQTT 5 properties)
        self.order: list[str] = []  # the topic of everything received, whichever path it took
        self.batches = 0  # lists handed to the batch handler
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = mqtt_client(url, client_id, v5=v5, persistent=True, manual_ack=True)
        self.client.fast_handler = self._fast
        if batch:
            self.client.batch_handler = self._batch
        self.client.on_message = self._slow
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.on_connect = lambda client, *_: client.subscribe("hot/#", qos=1)
        connect(self.client, url, v5=v5, persistent=True)
        self.client.loop_start()
        assert self.subscribed.wait(20), "no SUBACK"

    def ack_new(self) -> int:
        """PUBACK what came since the last call (the broker sends no more than its in-flight window
        unacknowledged); how many have come so far."""
        with self.lock:
            fresh, self.acked = self.got[self.acked:], len(self.got)
        self.client.ack_many([mid for _, _, mid, qos in fresh if qos == 1])
        return self.acked

    def _fast(self, topic: str, payload: bytes, mid: int, qos: int) -> None:
        with self.lock:
            self.got.append((topic, payload, mid, qos))
            self.order.append(topic)

    def _batch(self, publishes: list[Received]) -> None:
        with self.lock:
            self.got.extend(publishes)
            self.order.extend(topic for topic, _, _, _ in publishes)
            self.batches += 1

    def _slow(self, client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        with self.lock:
            self.slow.append(msg)
            self.order.append(msg.topic)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def sender(url: str, *, v5: bool) -> paho.Client:
    client = mqtt_client(url, "hot-sender", v5=v5, persistent=False)
    connect(client, url, v5=v5, persistent=False)
    client.loop_start()
    wait_for(client.is_connected, what="the sender connected")
    return client


@pytest.mark.parametrize("batch", [False, True], ids=["one-by-one", "batched"])
@pytest.mark.parametrize("v5", [True, False], ids=["mqtt5", "mqtt311"])
def test_every_message_arrives_whole_and_in_order_however_the_reads_cut_the_stream(
        mosquitto: Mosquitto, v5: bool, batch: bool) -> None:
    """Hundreds of small packets per read, payloads larger than a read, an empty payload, non-ASCII topics."""
    sizes = [0, 1, 10, 127, 128, 300, 16_383, 16_384, READ_CHUNK - 5, READ_CHUNK, 3 * READ_CHUNK + 17] + [200] * 2000
    sent = [(f"hot/{'街道' if n % 7 == 0 else 'lane'}/{n}", bytes([n % 251]) * size) for n, size in enumerate(sizes)]
    receiver = Receiver(mosquitto.url, f"hot-{v5}-{batch}", v5=v5, batch=batch)
    out = sender(mosquitto.url, v5=v5)
    try:
        infos = [out.publish(topic, payload, qos=1) for topic, payload in sent]
        for info in infos:
            info.wait_for_publish(30)
        wait_for(lambda: receiver.ack_new() >= len(sent), timeout=60, what=f"{len(sent)} messages received")
        with receiver.lock:
            got = list(receiver.got)
        assert [(t, p) for t, p, _, _ in got] == sent
        assert all(qos == 1 and mid for _, _, mid, qos in got) and not receiver.slow
        assert (receiver.batches > 0) == batch
    finally:
        out.disconnect()
        out.loop_stop()
        receiver.close()


def test_batched_reads_keep_order_with_what_takes_paho_path(mosquitto: Mosquitto) -> None:
    """Publishes with MQTT 5 properties among plain ones: the batch stops at each, paho's path takes it, and
    everything reaches the handlers in the order it was sent."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("ce_id", "1")]
    sent = [f"hot/mixed/{n}" for n in range(1500)]
    receiver = Receiver(mosquitto.url, "hot-mixed", v5=True, batch=True)
    out = sender(mosquitto.url, v5=True)
    try:
        infos = [out.publish(topic, b"x" * 100, qos=1, properties=props if n % 10 == 3 else None)
                 for n, topic in enumerate(sent)]
        for info in infos:
            info.wait_for_publish(30)
        acked_slow = 0

        def ack_all() -> bool:  # the broker's in-flight window needs the PUBACKs of both paths
            nonlocal acked_slow
            receiver.ack_new()
            with receiver.lock:
                slow, acked_slow = receiver.slow[acked_slow:], len(receiver.slow)
                done = len(receiver.order) >= len(sent)
            for msg in slow:
                receiver.client.ack(msg.mid, 1)
            return done

        wait_for(ack_all, timeout=60, what=f"{len(sent)} messages received")
        with receiver.lock:
            assert receiver.order == sent
            assert len(receiver.slow) == 150 and receiver.batches > 0
    finally:
        out.disconnect()
        out.loop_stop()
        receiver.close()


def test_mqtt5_properties_take_paho_path_and_qos0_needs_no_ack(mosquitto: Mosquitto) -> None:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    receiver = Receiver(mosquitto.url, "hot-props", v5=True)
    out = sender(mosquitto.url, v5=True)
    try:
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [("ce_id", "1")]
        out.publish("hot/props/a", b"binary mode", qos=1, properties=props).wait_for_publish(10)
        out.publish("hot/plain/b", b"qos zero", qos=0).wait_for_publish(10)
        wait_for(lambda: len(receiver.slow) == 1 and len(receiver.got) == 1, what="both messages")
        assert receiver.slow[0].payload == b"binary mode" and receiver.slow[0].properties is not None
        assert receiver.got[0][0] == "hot/plain/b" and receiver.got[0][1:] == (b"qos zero", 0, 0)
        receiver.client.ack(receiver.slow[0].mid, 1)
    finally:
        out.disconnect()
        out.loop_stop()
        receiver.close()


def test_what_ack_many_acknowledged_is_done_and_the_rest_comes_back(mosquitto: Mosquitto) -> None:
    receiver = Receiver(mosquitto.url, "hot-acks", v5=True)
    out = sender(mosquitto.url, v5=True)
    try:
        for n in range(100):
            out.publish(f"hot/acks/{n}", str(n).encode(), qos=1).wait_for_publish(10)
        wait_for(lambda: len(receiver.got) == 100, what="100 messages")
        receiver.client.ack_many([mid for _, payload, mid, _ in receiver.got if int(payload) % 2 == 0])
        receiver.client.publish("hot-probe", b"", qos=1).wait_for_publish(10)  # written after the PUBACKs
        receiver.close()
        again = Receiver(mosquitto.url, "hot-acks", v5=True)  # the same persistent session
        try:
            wait_for(lambda: again.ack_new() >= 50, timeout=30, what="the 50 unacknowledged messages again")
            assert sorted(int(p) for _, p, _, _ in again.got) == list(range(1, 100, 2))
        finally:
            again.close()
    finally:
        out.disconnect()
        out.loop_stop()


@pytest.mark.parametrize("v5", [True, False], ids=["mqtt5", "mqtt311"])
def test_publish_many_sends_each_message_as_published(mosquitto: Mosquitto, v5: bool) -> None:
    receiver = Receiver(mosquitto.url, f"hot-republish-{v5}", v5=v5)
    out = sender(mosquitto.url, v5=v5)
    assert isinstance(out, Client)
    try:
        batch = [(f"hot/out/{n}", orjson.dumps({"n": n, "pad": "区" * (n % 300)})) for n in range(1500)]
        out.publish_many(batch)
        wait_for(lambda: len(receiver.got) == len(batch), timeout=30, what="1500 republished messages")
        assert [(t, p) for t, p, _, _ in receiver.got] == batch
        assert all(qos == 0 for *_, qos in receiver.got)
    finally:
        out.disconnect()
        out.loop_stop()
        receiver.close()


def test_the_inbox_keeps_order_stays_bounded_and_hands_over_in_batches() -> None:
    inbox: Inbox[int] = Inbox(capacity=10)
    busy = InFlight()
    pairs = [(Message(b"{}", "city/a/b", "mqtt"), n) for n in range(25)]
    done = threading.Event()

    def produce() -> None:
        inbox.put_many(pairs[:15], lambda: True)  # more than the capacity: blocks until room is made
        for pair in pairs[15:]:
            inbox.put_many([pair], lambda: True)
        done.set()

    threading.Thread(target=produce, daemon=True).start()
    wait_for(lambda: inbox.qsize() == 10, what="a full inbox")
    assert not done.is_set() and inbox.qsize() == 10
    taken: list[int] = []
    while len(taken) < 25:
        batch = inbox.take(7, 0.0, busy)
        assert len(batch) <= 7 and inbox.qsize() <= 10
        taken += [token for _, token in batch]
    assert taken == list(range(25)) and busy.pending() >= 4 and done.wait(5)
    while busy.pending():
        busy.done()
    assert inbox.take(7, 0.0, busy, idle_s=0.01) == [] and not busy.pending()


def test_a_full_inbox_tells_the_transport_when_the_worker_is_gone() -> None:
    inbox: Inbox[int] = Inbox(capacity=1)
    inbox.put_many([(Message(b"{}", "t", "mqtt"), 0)], lambda: True)
    with pytest.raises(RuntimeError, match="worker stopped"):
        inbox.put_many([(Message(b"{}", "t", "mqtt"), 1)], lambda: False, timeout=0.01)


def test_put_many_feeds_the_worker_in_order() -> None:
    class Recording:
        def __init__(self) -> None:
            self.seen: list[bytes] = []

        def process(self, batch: list[Message]) -> None:
            self.seen += [m.payload for m in batch]

    pipeline = Recording()
    acked: list[int] = []
    worker: BatchWorker[int] = BatchWorker(pipeline, acked.extend, max_batch=64)  # type: ignore[arg-type]
    worker.start()
    try:
        worker.put_many((Message(str(n).encode(), "t", "kafka"), n) for n in range(500))
        worker.put_many([(Message(b"500", "t", "kafka"), 500)])
        wait_for(lambda: len(acked) == 501, what="501 acknowledgements")
        assert worker.drain(5)
        assert acked == list(range(501)) and pipeline.seen == [str(n).encode() for n in range(501)]
    finally:
        worker.stop()


def test_live_items_are_encoded_once_and_a_frame_counts_what_a_client_lost() -> None:
    async def scenario() -> None:
        stream = LiveStream(buffer_per_client=3)
        stream.bind(asyncio.get_running_loop())
        fast, slow = LiveClient(3), LiveClient(3)
        stream.clients |= {fast, slow}
        stream.publish("incident", [{"id": "i1"}])
        await asyncio.sleep(0)
        assert fast.pending[0] is slow.pending[0]  # one encoding, shared
        assert orjson.loads(fast.frame()[0]) == {"kind": "batch", "items": [{"id": "i1", "kind": "incident"}],
                                                 "dropped": 0}
        stream.publish("incident", [{"id": f"i{n}"} for n in range(2, 7)])
        await asyncio.sleep(0)
        text, count = slow.frame()
        frame = orjson.loads(text)
        assert [i["id"] for i in frame["items"]] == ["i4", "i5", "i6"] and frame["dropped"] == 3 and count == 3
        assert slow.frame() == ('{"kind":"batch","items":[],"dropped":0}', 0)

    asyncio.run(scenario())


def test_an_event_loop_that_falls_behind_holds_one_wake_up_not_every_batch() -> None:
    """Ingest threads hand items to the clients' bounded buffers themselves; the loop only wakes them."""
    loop = asyncio.new_event_loop()  # not running: a loop that has fallen behind, as far as it can
    try:
        stream = LiveStream(buffer_per_client=500)
        stream.bind(loop)
        client = LiveClient(500)
        stream.clients.add(client)
        done = threading.Event()

        def ingest() -> None:
            for batch in range(200):
                stream.publish("incident", [{"id": f"{batch}-{n}"} for n in range(100)])
            done.set()

        threading.Thread(target=ingest).start()
        assert done.wait(30)
        assert len(client.pending) == 500 and client.dropped == 200 * 100 - 500
        assert len(loop._ready) == 1  # type: ignore[attr-defined]  # asyncio's queue of callbacks to run
        loop.run_until_complete(asyncio.sleep(0))
        assert client.wake.is_set()
        assert orjson.loads(client.frame()[0])["items"][-1]["id"] == "199-99"
    finally:
        loop.close()


def test_the_hub_websocket_compresses_in_a_full_window_and_delivers_frames_whole() -> None:
    """The hub's uvicorn WebSocket protocol: per-message deflate negotiated without uvicorn's 4 KiB limit on the
    server's window, text frames arriving exactly as sent (many of them, each many live items long)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket
    from websockets.sync.client import connect as ws_connect

    from hub.websocket import LiveWebSocketProtocol
    from tests.support import free_port

    item = {"kind": "event", "district_name": "蓬江区", "town_name": "白沙街道",
            "address": "江门市蓬江区白沙街道羊桥路12号"}
    frames = [orjson.dumps({"kind": "batch", "items": [item | {"uid": f"{n}-{k}"} for k in range(60)],
                            "dropped": 0}).decode() for n in range(40)]

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        for frame in frames:
            await websocket.send_text(frame)
        await websocket.close()

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[WebSocketRoute("/ws", stream)]), host="127.0.0.1",
                                           port=port, log_level="warning", ws=LiveWebSocketProtocol))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), what="uvicorn started")
    try:
        with ws_connect(f"ws://127.0.0.1:{port}/ws") as client:
            extensions = client.response.headers.get("Sec-WebSocket-Extensions", "") if client.response else ""
            got = list(client)
        assert got == frames
        assert "permessage-deflate" in extensions and "server_max_window_bits" not in extensions
    finally:
        server.should_exit = True
        thread.join(15)
