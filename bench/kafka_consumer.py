"""A Kafka consumer alone at a steady rate: its CPU per event, by client, commit policy and fetch size.

    .venv/bin/python -m bench.kafka_consumer [--client kafka-python|confluent] [--rate 2500] [--seconds 15]
                                             [--commit every|throttled] [--fetch-min-bytes 1] [--fetch-wait-ms 10]

Starts tansu, a producer process at `--rate` (450-byte records, librdkafka, 20 ms linger as the
benchmark's producers), and in this process a consumer in a group with the hub's settings, which
commits what it read at most every `hub.transports.kafka.ingest.COMMIT_EVERY_S` (`throttled`, as the hub does)
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
from hub.transports.kafka.ingest import COMMIT_EVERY_S, FETCH_WAIT_MS


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


Read = tuple[tuple[str, int], int, float]  # (topic, partition), next offset, producer timestamp in ms


class KafkaPythonClient:
    def __init__(self, url: str, min_bytes: int, wait_ms: int) -> None:
        from kafka import KafkaConsumer

        self.consumer = KafkaConsumer(bootstrap_servers=url, group_id="bench-consumer", enable_auto_commit=False,
                                      auto_offset_reset="earliest", session_timeout_ms=6000,
                                      heartbeat_interval_ms=2000, max_poll_records=1000, fetch_max_wait_ms=wait_ms,
                                      fetch_min_bytes=min_bytes)
        self.consumer.subscribe([KAFKA_TOPIC])

    def poll(self) -> list[Read]:
        return [((tp.topic, tp.partition), r.offset + 1, r.timestamp)
                for tp, records in self.consumer.poll(timeout_ms=200).items() for r in records]

    def commit(self, pending: dict[tuple[str, int], int]) -> None:
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        self.consumer.commit({TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in pending.items()})

    def close(self) -> None:
        self.consumer.close(autocommit=False)


class LibrdkafkaClient:
    """As the hub takes records (hub.transports.kafka.ingest): a poll for the first, then what is already fetched."""

    def __init__(self, url: str, wait_ms: int = FETCH_WAIT_MS, group: str = "bench-consumer") -> None:
        import confluent_kafka

        self.consumer = confluent_kafka.Consumer({
            "bootstrap.servers": url, "group.id": group, "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 2000,
            "fetch.wait.max.ms": wait_ms})
        self.consumer.subscribe([KAFKA_TOPIC])

    def read_all(self) -> None:
        """Read every partition of the topic from its first offset, without the group's join (a consumer that
        only reads): it fetches from the moment this returns."""
        from confluent_kafka import TopicPartition

        self.consumer.unsubscribe()
        partitions = self.consumer.list_topics(KAFKA_TOPIC, timeout=10).topics[KAFKA_TOPIC].partitions
        self.consumer.assign([TopicPartition(KAFKA_TOPIC, p, 0) for p in partitions])

    def poll(self) -> list[Read]:
        from hub.transports.kafka.client import take_fetched

        polled = take_fetched(self.consumer, 1000, 0.2)
        return [((m.topic(), m.partition()), m.offset() + 1, m.timestamp()[1]) for m in polled if m.error() is None]

    def commit(self, pending: dict[tuple[str, int], int]) -> None:
        from confluent_kafka import TopicPartition

        self.consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in pending.items()], asynchronous=True)

    def close(self) -> None:
        self.consumer.close()


def run(client: str, rate: float, seconds: float, commit: str, min_bytes: int, wait_ms: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cityhub-consumer-") as tmp, Tansu(Path(tmp) / "broker") as broker:
        create_topic(broker.url, 6)
        stop = multiprocessing.Event()
        producer = multiprocessing.Process(target=produce, args=(broker.url, rate, stop), daemon=True)
        producer.start()
        consumer = (LibrdkafkaClient(broker.url, wait_ms) if client == "confluent"
                    else KafkaPythonClient(broker.url, min_bytes, wait_ms))
        try:
            warm_until = time.monotonic() + 8  # the group join and the first fetches
            while time.monotonic() < warm_until:
                consumer.poll()
            broker0 = cpu_of(broker)
            own0 = resource.getrusage(resource.RUSAGE_SELF)
            began, got, polls, commits, committed_at = time.monotonic(), 0, 0, 0, 0.0
            pending: dict[tuple[str, int], int] = {}
            latency: list[float] = []
            while time.monotonic() < began + seconds:
                polled = consumer.poll()
                polls += 1
                now_ms = time.time() * 1000
                got += len(polled)
                for key, offset, stamp in polled:
                    latency.append(now_ms - stamp)
                    pending[key] = offset
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
            consumer.close()
    return {
        "client": client, "rate": rate, "commit": commit, "fetch_min_bytes": min_bytes, "fetch_wait_ms": wait_ms,
        "events_per_s": round(got / elapsed), "consumer_cpu_percent": round(100 * own / elapsed, 1),
        "consumer_cpu_us_per_event": round(1e6 * own / max(got, 1)),
        "broker_cpu_percent": round(100 * broker_cpu / elapsed, 1),
        "polls_per_s": round(polls / elapsed), "commits_per_s": round(commits / elapsed),
        "latency_ms": latency_summary(latency),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kafka_consumer", description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=("kafka-python", "confluent"), default="kafka-python")
    parser.add_argument("--rate", type=float, default=2500)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--commit", choices=("every", "throttled"), default="throttled")
    parser.add_argument("--fetch-min-bytes", type=int, default=1, help="kafka-python only")
    parser.add_argument("--fetch-wait-ms", type=int, default=FETCH_WAIT_MS)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.client, args.rate, args.seconds, args.commit, args.fetch_min_bytes, args.fetch_wait_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
