"""Producer processes: publish the pre-generated load at a set rate, recording each event's send time.

They are forked before the bench starts any thread, so they inherit the load without copying it
through a pipe, and they run on their own interpreter so the bench's WebSocket client keeps an
honest clock. Send times go to shared memory, indexed like the load.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from multiprocessing.sharedctypes import Synchronized
from typing import Any
from urllib.parse import urlparse

from bench.load import Load

KAFKA_TOPIC = "city.events"
MQTT_WINDOW = 20_000  # QoS 1 messages a producer has in flight or queued in paho
_ctx = mp.get_context("fork")


class Producers:
    def __init__(self, transport: str, url: str, load: Load, *, warmup: int, rate: float, processes: int = 1,
                 duration: float | None = None) -> None:
        self.load, self.warmup, self.count = load, warmup, len(load) - warmup
        self.send_times = _ctx.RawArray("d", len(load))
        self.sent: Synchronized[int] = _ctx.Value("l", 0)  # type: ignore[assignment]
        self.warm, self.go = _ctx.Event(), _ctx.Event()
        self.errors = _ctx.Queue()
        share = rate / processes if rate else 0.0
        self.procs = [
            _ctx.Process(target=_produce, name=f"bench-producer-{k}", daemon=True,
                         args=(transport, url, load, k, processes, warmup, share, duration, self))
            for k in range(processes)
        ]

    def start(self) -> None:
        for proc in self.procs:
            proc.start()

    def join(self, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        for proc in self.procs:
            proc.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        self.check()

    def check(self) -> None:
        """Raise the first error a producer process reported, if any."""
        if not self.errors.empty():
            raise RuntimeError(f"producer failed: {self.errors.get()}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(5)

    def times(self) -> list[float]:
        return list(self.send_times)


def _produce(transport: str, url: str, load: Load, k: int, processes: int, warmup: int, rate: float,
             duration: float | None, shared: Producers) -> None:
    try:
        publish, flush = (_mqtt if transport == "mqtt" else _kafka)(url, f"bench-producer-{k}")
        shared.warm.wait()
        if k == 0:
            for i in range(warmup):
                _send(publish, load, i, shared)
            flush()
        shared.go.wait()
        began = time.time()
        stop_at = began + duration if duration else float("inf")
        for j, i in enumerate(range(warmup + k, len(load), processes)):
            if rate:
                due = began + j / rate
                now = time.time()
                if due > now + 0.001:
                    time.sleep(due - now)
            if time.time() > stop_at:
                break
            _send(publish, load, i, shared)
        flush()
    except Exception as err:
        shared.errors.put(f"{type(err).__name__}: {err}")


def _send(publish: Any, load: Load, i: int, shared: Producers) -> None:
    topic, key, payload = load.items[i]
    shared.send_times[i] = time.time()
    publish(topic, key, payload)
    with shared.sent.get_lock():
        shared.sent.value += 1


def _mqtt(url: str, client_id: str) -> tuple[Any, Any]:
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    parts = urlparse(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=60)
    client.loop_start()
    deadline = time.monotonic() + 10
    while not client.is_connected():
        if time.monotonic() > deadline:
            raise ConnectionError(f"cannot connect to {url}")
        time.sleep(0.01)
    pending: deque[Any] = deque()

    def publish(topic: str, key: bytes, payload: bytes) -> None:
        while len(pending) >= MQTT_WINDOW:  # packet ids are 16 bits: keep well under 65,535 unacknowledged
            pending.popleft().wait_for_publish(120)
        pending.append(client.publish(topic, payload, qos=1))

    def flush() -> None:
        while pending:
            pending.popleft().wait_for_publish(120)

    return publish, flush


def _kafka(url: str, client_id: str) -> tuple[Any, Any]:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=url.split(","), client_id=client_id, acks=1, linger_ms=5,
                             batch_size=256 * 1024, max_block_ms=60_000, enable_idempotence=False)

    def publish(topic: str, key: bytes, payload: bytes) -> None:
        producer.send(KAFKA_TOPIC, value=payload, key=key)

    def flush() -> None:
        producer.flush(120)

    return publish, flush
