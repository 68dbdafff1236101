"""A Kafka consumer alone at a steady rate: its CPU per event, by client, commit policy and fetch size.

    .venv/bin/python -m bench.kafka_consumer [--client kafka-python|confluent] [--rate 2500] [--seconds 15]
                                             [--commit every|throttled] [--fetch-min-bytes 1] [--fetch-wait-ms 10]

Starts tansu, a producer process at `--rate` (450-byte records, librdkafka, 20 ms linger as the
benchmark's producers), and in this process a consumer in a group with the hub's settings, which
commits what it read at most every `hub.ingest.kafka.COMMIT_EVERY_S` (`throttled`, as the hub does)
or, for kafka-python, after every poll (`every`, as the hub once did). `--client confluent` is
librdkafka taken as the hub takes it (the hub's consumer since 2026-11-27): a poll for the first
record, then what is already fetched, asynchronous commits. Prints one JSON object: events/s, the
consumer's and the broker's CPU, polls and commits per second, and record latency (producer
timestamp → poll) p50/p99. No pipeline: what the consuming alone costs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.brokers import Tansu
from bench.publish import KAFKA_TOPIC
from bench.run import cpu_of, create_topic
from bench.stats import latency_summary
from hub.ingest.kafka import COMMIT_EVERY_S, FETCH_WAIT_MS


def produce(bootstrap: str, rate: float, stop: Any) -> None:
    import confluent_kafka

    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "linger.ms": 20})
    payload, sent, began = b"x" * 450, 0, time.monotonic()
    while not stop.is_set():
        ahead = began + sent / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        producer.produce(KAFKA_TOPIC, payload, key=str(sent).encode())
        sent += 1
        if sent % 100 == 0:
            producer.poll(0)
    producer.flush(10)


def run_confluent(rate: float, seconds: float, wait_ms: int) -> dict[str, Any]:
    import confluent_kafka

    with tempfile.TemporaryDirectory(prefix="cityhub-consumer-") as tmp, Tansu(Path(tmp) / "broker") as broker:
        create_topic(broker.url, 6)
        stop = multiprocessing.Event()
        producer = multiprocessing.Process(target=produce, args=(broker.url, rate, stop), daemon=True)
        producer.start()
        consumer = confluent_kafka.Consumer({"bootstrap.servers": broker.url, "group.id": "bench-consumer",
                                             "enable.auto.commit": False, "auto.offset.reset": "earliest",
                                             "session.timeout.ms": 6000, "heartbeat.interval.ms": 2000,
                                             "fetch.wait.max.ms": wait_ms})
        consumer.subscribe([KAFKA_TOPIC])
        try:
            warm_until = time.monotonic() + 8
            while time.monotonic() < warm_until:
                consumer.consume(1000, 0.2)
            broker0 = cpu_of(broker)
            own0 = resource.getrusage(resource.RUSAGE_SELF)
            began, got, polls, commits, committed_at = time.monotonic(), 0, 0, 0, 0.0
            pending: dict[Any, Any] = {}
            latency: list[float] = []
            while time.monotonic() < began + seconds:
                first = consumer.poll(0.2)  # returns with the first record in hand; the rest already fetched follow
                polled = [first, *consumer.consume(999, 0)] if first is not None else []
                polls += 1
                now_ms = time.time() * 1000
                got += len(polled)
                for m in polled:
                    latency.append(now_ms - m.timestamp()[1])
                    pending[(m.topic(), m.partition())] = m.offset() + 1
                if pending and time.monotonic() - committed_at >= COMMIT_EVERY_S:
                    consumer.commit(offsets=[confluent_kafka.TopicPartition(t, p, o) for (t, p), o in pending.items()],
                                    asynchronous=True)
                    pending, commits, committed_at = {}, commits + 1, time.monotonic()
            elapsed = time.monotonic() - began
            own1 = resource.getrusage(resource.RUSAGE_SELF)
            own = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
            broker_cpu = cpu_of(broker) - broker0
        finally:
            stop.set()
            producer.join(15)
            consumer.close()
    return {
        "client": "confluent", "rate": rate, "fetch_wait_ms": wait_ms,
        "events_per_s": round(got / elapsed), "consumer_cpu_percent": round(100 * own / elapsed, 1),
        "consumer_cpu_us_per_event": round(1e6 * own / max(got, 1)),
        "broker_cpu_percent": round(100 * broker_cpu / elapsed, 1),
        "polls_per_s": round(polls / elapsed), "commits_per_s": round(commits / elapsed),
        "latency_ms": latency_summary(latency),
    }


def run(rate: float, seconds: float, commit: str, min_bytes: int, wait_ms: int) -> dict[str, Any]:
    from kafka import KafkaConsumer
    from kafka.structs import OffsetAndMetadata

    with tempfile.TemporaryDirectory(prefix="cityhub-consumer-") as tmp, Tansu(Path(tmp) / "broker") as broker:
        create_topic(broker.url, 6)
        stop = multiprocessing.Event()
        producer = multiprocessing.Process(target=produce, args=(broker.url, rate, stop), daemon=True)
        producer.start()
        consumer = KafkaConsumer(bootstrap_servers=broker.url, group_id="bench-consumer", enable_auto_commit=False,
                                 auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=2000,
                                 max_poll_records=1000, fetch_max_wait_ms=wait_ms, fetch_min_bytes=min_bytes)
        consumer.subscribe([KAFKA_TOPIC])
        try:
            warm_until = time.monotonic() + 8  # the group join and the first fetches
            while time.monotonic() < warm_until:
                consumer.poll(timeout_ms=200)
            broker0 = cpu_of(broker)
            own0 = resource.getrusage(resource.RUSAGE_SELF)
            began, got, polls, commits, committed_at = time.monotonic(), 0, 0, 0, 0.0
            pending: dict[Any, Any] = {}
            latency: list[float] = []
            while time.monotonic() < began + seconds:
                polled = consumer.poll(timeout_ms=200)
                polls += 1
                now_ms = time.time() * 1000
                for tp, records in polled.items():
                    got += len(records)
                    latency.extend(now_ms - r.timestamp for r in records)
                    pending[tp] = OffsetAndMetadata(records[-1].offset + 1, "", -1)
                if pending and (commit == "every" or time.monotonic() - committed_at >= COMMIT_EVERY_S):
                    consumer.commit(pending)
                    pending, commits, committed_at = {}, commits + 1, time.monotonic()
            elapsed = time.monotonic() - began
            own1 = resource.getrusage(resource.RUSAGE_SELF)
            own = (own1.ru_utime + own1.ru_stime) - (own0.ru_utime + own0.ru_stime)
            broker_cpu = cpu_of(broker) - broker0
        finally:
            stop.set()
            producer.join(15)
            consumer.close(autocommit=False)
    return {
        "rate": rate, "commit": commit, "fetch_min_bytes": min_bytes, "fetch_wait_ms": wait_ms,
        "events_per_s": round(got / elapsed), "consumer_cpu_percent": round(100 * own / elapsed, 1),
        "consumer_cpu_us_per_event": round(1e6 * own / max(got, 1)),
        "broker_cpu_percent": round(100 * broker_cpu / elapsed, 1),
        "polls_per_s": round(polls / elapsed), "commits_per_s": round(commits / elapsed),
        "latency_ms": latency_summary(latency),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka_consumer", description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=2500)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--commit", choices=("every", "throttled"), default="throttled")
    parser.add_argument("--fetch-min-bytes", type=int, default=1)
    parser.add_argument("--fetch-wait-ms", type=int, default=FETCH_WAIT_MS)
    parser.add_argument("--client", choices=("kafka-python", "confluent"), default="kafka-python")
    args = parser.parse_args(argv)
    if args.client == "confluent":
        print(json.dumps(run_confluent(args.rate, args.seconds, args.fetch_wait_ms)))
        return 0
    print(json.dumps(run(args.rate, args.seconds, args.commit, args.fetch_min_bytes, args.fetch_wait_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
