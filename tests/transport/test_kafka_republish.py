"""The hub's republishing producer (librdkafka through confluent-kafka) against a real tansu broker:
normalized events land in the partition of their grid key that kafka-python's (and Java's) murmur2
partitioner picks, dead letters keep their reason, records that cannot be delivered are counted and
logged, and client options librdkafka cannot take keep the kafka-python producer."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections import defaultdict

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2

from hub.events import DeadLetter, Event, HubBlock, Message
from hub.transports.kafka.client import librdkafka_config, reader_config
from hub.transports.kafka.republish import (
    DEADLETTER,
    NORMALIZED,
    Republisher,
    ensure_topics,
    grid_key,
)
from tests.support import free_port, wait_for
from tests.transport.brokers import Tansu

PARTITIONS = 6


def event(n: int, grid: str | None, district: str | None = "440703") -> Event:
    ce = {"specversion": "1.0", "id": f"e{n}", "source": "/jm/test/dev-1", "type": "cn.jm.test.reading",
          "time": "2026-05-01T08:00:00+08:00", "data": {"n": n}}
    hub = HubBlock(uid=f"u{n}", received_at=time.time(), grid_code=grid, district_code=district)
    return Event(ce, Message(b"{}", "city.events", "kafka", 0, n), hub)


def read_all(bootstrap: str, topic: str, expected: int) -> list[tuple[int, bytes | None, bytes]]:
    """(partition, key, value) of every record of `topic`, once `expected` of them are there."""
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=None, enable_auto_commit=False)
    try:
        parts = sorted(consumer.partitions_for_topic(topic) or [])
        consumer.assign([TopicPartition(topic, p) for p in parts])
        consumer.seek_to_beginning()
        found: list[tuple[int, bytes | None, bytes]] = []

        def more() -> bool:
            for records in consumer.poll(timeout_ms=200).values():
                found.extend((r.partition, r.key, r.value) for r in records)
            return len(found) >= expected

        wait_for(more, timeout=30, what=f"{expected} records on {topic}")
        return found
    finally:
        consumer.close()


def test_options_translate_to_librdkafka() -> None:
    config = librdkafka_config({
        "bootstrap_servers": ["k1:9093", "k2:9093"], "client_id": "cityhub", "bootstrap_timeout_ms": 5000,
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "cityhub",
        "sasl_plain_password": "secret", "ssl_cafile": "/etc/cityhub/kafka-ca.pem", "ssl_check_hostname": False})
    assert config == {
        "bootstrap.servers": "k1:9093,k2:9093", "client.id": "cityhub", "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "cityhub", "sasl.password": "secret",
        "ssl.ca.location": "/etc/cityhub/kafka-ca.pem", "ssl.endpoint.identification.algorithm": "none"}
    mutual = librdkafka_config({"bootstrap_servers": "k:9093", "security_protocol": "SSL",
                                "ssl_certfile": "c.pem", "ssl_keyfile": "k.pem", "ssl_password": "p"})
    assert mutual is not None
    assert mutual["ssl.ca.location"] == "probe"  # no CA file: the system's, as kafka-python does
    assert mutual["ssl.certificate.location"] == "c.pem" and mutual["ssl.key.password"] == "p"
    assert librdkafka_config({"bootstrap_servers": "k:9092", "ssl_context": ssl.create_default_context()}) is None
    assert librdkafka_config({"bootstrap_servers": "k:9092", "sasl_oauth_token_provider": object()}) is None


def test_normalized_events_keep_the_partition_of_their_grid_key(tansu: Tansu) -> None:
    options = {"bootstrap_servers": [tansu.bootstrap], "client_id": "cityhub-test"}
    ensure_topics(options, "city.events", PARTITIONS)
    republish = Republisher()
    republish.open(options)
    assert republish.librdkafka
    events = [event(n, f"44070300{n % 40:04d}") for n in range(300)]
    events += [event(300, None), event(301, None, None)]  # the district, then "unplaced"
    dead = [DeadLetter(b"\xffnot json", "invalid JSON", "kafka", "city.events", 2, 17, time.time())]
    try:
        for i in range(0, len(events), 100):
            republish(events[i:i + 100], dead if i == 0 else [])
    finally:
        republish.close()
    assert republish.failed == 0

    found = read_all(tansu.bootstrap, NORMALIZED, len(events))
    assert len(found) == len(events)
    partitions: dict[bytes, set[int]] = defaultdict(set)
    for partition, key, _ in found:
        assert key is not None
        partitions[key].add(partition)
    assert dict(partitions) == {
        k: {(murmur2(k) & 0x7FFFFFFF) % PARTITIONS} for k in partitions}  # kafka-python's DefaultPartitioner
    assert {grid_key(e) for e in events} == set(partitions)
    assert {b"440703", b"unplaced"} <= set(partitions)
    values = {orjson.loads(v)["id"]: orjson.loads(v) for _, _, v in found}
    assert values["e7"]["hub"]["grid_code"] == "440703000007" and values["e7"]["data"] == {"n": 7}

    (letter,) = read_all(tansu.bootstrap, DEADLETTER, 1)
    body = orjson.loads(letter[2])
    assert letter[1] == b"city.events"
    assert (body["reason"], body["partition"], body["offset"]) == ("invalid JSON", 2, 17)


def test_undelivered_records_are_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """No broker at all: the records wait out their delivery timeout, then each is counted, with a warning."""
    republish = Republisher(delivery_timeout_ms=1000)
    republish.open({"bootstrap_servers": [f"127.0.0.1:{free_port()}"], "reconnect_backoff_max_ms": 500})
    assert republish.librdkafka
    with caplog.at_level(logging.WARNING, logger="hub.transports.kafka.republish"):
        republish([event(n, "440703000001") for n in range(5)], [])

        def reported() -> bool:
            republish([], [])  # each batch serves the delivery reports of earlier ones
            return republish.failed == 5

        wait_for(reported, timeout=30, what="the 5 undelivered records reported")
        republish.close()
    # one warning per poll that served failures: the five may come in one report or in several
    logged = [re.search(r"(\d+) records not delivered", r.getMessage()) for r in caplog.records]
    assert sum(int(m.group(1)) for m in logged if m) == 5


def test_options_librdkafka_cannot_take_are_refused_as_the_consumer_refuses_them() -> None:
    """The hub carries its records through librdkafka only: an ssl_context (Python code, no librdkafka
    equivalent) is refused with the reason, before anything is sent, as KafkaIngest refuses it."""
    options = {"bootstrap_servers": [f"127.0.0.1:{free_port()}"], "ssl_context": ssl.create_default_context()}
    republish = Republisher()
    with pytest.raises(ValueError, match="librdkafka cannot take"):
        republish.open(options)
    assert republish.producer is None and not republish.librdkafka
    with pytest.raises(ValueError, match="librdkafka cannot take"):
        reader_config(options)
