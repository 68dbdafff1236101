"""Producer processes: publish the pre-generated load at a set rate, recording each event's send time.

They are forked before the bench starts any thread, so they inherit the load without copying it
through a pipe, and they run on their own interpreter so the bench's WebSocket client keeps an
honest clock. Send times go to shared memory, indexed like the load.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any
from urllib.parse import urlparse

from bench.load import Load
from bench.wire import QoS1Publisher

KAFKA_TOPIC = "city.events"
MQTT_WINDOW = 20_000  # QoS 1 messages a producer may have unacknowledged (packet ids are 16 bits)
# Kafka: tansu's CPU goes with the record batches it takes and lists in each fetch, so a shorter linger costs the
# broker more than it saves (at 5,000/s on two workers, 5 ms: broker 76-79 % of a core against 39-41 % at 20 ms,
# and the producer fell seconds behind; 2026-11-28)
LINGER_MS = 20
AT_ONCE = 100  # messages sent together at most: those due by now at a set rate, else as fast as it goes
_ctx = mp.get_context("fork")


class Producers:
    def __init__(self, transport: str, url: str, load: Load, *, warmup: int, rate: float, processes: int = 1,
                 duration: float | None = None, linger_ms: float = LINGER_MS, name: str = "bench-producer") -> None:
        self.load, self.warmup, self.count = load, warmup, len(load) - warmup
        self.send_times = _ctx.RawArray("d", len(load))
        self.sent_by = _ctx.RawArray("l", processes)  # messages each producer has published
        self.cpu = _ctx.RawArray("d", processes)  # CPU seconds each producer spent after `go`
        self.warm, self.go = _ctx.Event(), _ctx.Event()
        self.errors = _ctx.Queue()
        share = rate / processes if rate else 0.0
        self.procs = [
            _ctx.Process(target=_produce, name=f"{name}-{k}", daemon=True,
                         args=(transport, url, load, k, processes, warmup, share, duration, linger_ms, self))
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

    @property
    def sent(self) -> int:
        return sum(self.sent_by)

    def times(self) -> list[float]:
        return list(self.send_times)


def _produce(transport: str, url: str, load: Load, k: int, processes: int, warmup: int, rate: float,
             duration: float | None, linger_ms: float, shared: Producers) -> None:
    try:
        client_id = mp.current_process().name  # unique: a second client with the same id would close the first
        publish_many, flush = _mqtt(url, client_id) if transport == "mqtt" else _kafka(url, client_id, linger_ms)
        shared.warm.wait()
        if k == 0:
            for i in range(warmup):
                _send_many(publish_many, load, range(i, i + 1), shared, k)
            flush()
        shared.go.wait()
        began, cpu0 = time.time(), time.process_time()
        stop_at = began + duration if duration else float("inf")
        mine = range(warmup + k, len(load), processes)
        done = 0
        while done < len(mine):
            now = time.time()
            if rate:  # every message due by now (its share of the rate), sent together
                due = began + done / rate
                if due > now + 0.001:
                    time.sleep(due - now)
                    now = time.time()
                upto = min(len(mine), max(done + 1, int((now - began) * rate) + 1), done + AT_ONCE)
            else:
                upto = min(len(mine), done + AT_ONCE)
            if now > stop_at:
                break
            _send_many(publish_many, load, mine[done:upto], shared, k)
            done = upto
        flush()
        shared.cpu[k] = time.process_time() - cpu0
    except Exception as err:
        shared.errors.put(f"{type(err).__name__}: {err}")


def _send_many(publish_many: Any, load: Load, indexes: range, shared: Producers, k: int) -> None:
    """Publish the load's items at `indexes` (due together) and record their send time."""
    now = time.time()
    for i in indexes:
        shared.send_times[i] = now
    publish_many([load.items[i] for i in indexes])
    shared.sent_by[k] += len(indexes)  # only this process writes its slot


def _mqtt(url: str, client_id: str) -> tuple[Any, Any]:
    parts = urlparse(url)
    client = QoS1Publisher(parts.hostname or "127.0.0.1", parts.port or 1883, client_id, window=MQTT_WINDOW)

    def publish_many(items: list[tuple[str, bytes, bytes]]) -> None:
        client.publish_many([(topic, payload) for topic, _, payload in items])

    return publish_many, client.flush


def _kafka(url: str, client_id: str, linger_ms: float) -> tuple[Any, Any]:
    """librdkafka (confluent-kafka): a Python producer (kafka-python) took more CPU than a hub worker.
    murmur2 keeps each source's events in the partition the Java client and the hub would choose."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": url, "client.id": client_id, "acks": 1, "linger.ms": linger_ms,
                         "batch.size": 1_000_000, "enable.idempotence": False, "partitioner": "murmur2_random",
                         "queue.buffering.max.messages": 500_000})
    failures: list[str] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    def publish_many(items: list[tuple[str, bytes, bytes]]) -> None:
        producer.poll(0)  # serve delivery reports
        for _, key, payload in items:
            while True:
                try:
                    producer.produce(KAFKA_TOPIC, value=payload, key=key, on_delivery=delivered)
                    break
                except BufferError:  # the local queue is full: let deliveries drain it
                    producer.poll(0.05)
        if failures:
            raise RuntimeError(f"Kafka delivery failed: {failures[0]}")

    def flush() -> None:
        if producer.flush(120):
            raise TimeoutError("Kafka messages still undelivered after 120 s")
        if failures:
            raise RuntimeError(f"Kafka delivery failed: {failures[0]}")

    return publish_many, flush
