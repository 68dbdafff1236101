"""Fast checks of the transports' pure parts: the Mosquitto config, header mapping, keys, offsets, batching."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as paho
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.events import Event, Message
from hub.pipeline.decode import Limits, decode
from hub.transports.batching import BatchWorker
from hub.transports.kafka.publisher import source_key
from hub.transports.mqtt.client import user_properties
from tests.support import wait_for
from tests.transport.brokers import MOSQUITTO_CONF, local_mosquitto_conf
from tests.transport.events import batch, mqtt_binary, raw_kafka_binary, sdk_kafka_binary


def conf(text: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_the_mosquitto_config_does_not_drop_queued_qos1_messages() -> None:
    knobs = conf(MOSQUITTO_CONF.read_text(encoding="utf-8"))
    assert int(knobs["max_queued_messages"]) >= 100_000  # the default, 1000, drops for a hub that is away
    assert int(knobs["max_inflight_messages"]) >= 1000  # the default, 20, stalls ack-after-store batches
    assert knobs["persistence"] == "true" and knobs["persistent_client_expiration"]
    assert knobs["queue_qos0_messages"] == "false"


def test_a_local_mosquitto_gets_its_own_port_and_directory(tmp_path: Path) -> None:
    knobs = conf(local_mosquitto_conf(18999, tmp_path))
    assert knobs["listener"] == "18999 127.0.0.1"
    assert knobs["persistence_location"] == f"{tmp_path}/"


def test_mqtt5_user_properties_become_headers_the_decoder_reads() -> None:
    ce = batch("unit", 1)[0]
    payload, headers = mqtt_binary(ce)
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [(k, v.decode()) for k, v in headers]
    msg = paho.MQTTMessage(1, b"city/parking/lots")
    msg.payload, msg.properties = payload, props
    decoded = decode(Message(msg.payload, msg.topic, "mqtt", headers=user_properties(msg)), Limits())
    assert isinstance(decoded, Event), decoded
    assert decoded.ce["id"] == ce["id"] and decoded.ce["data"] == ce["data"]


def test_kafka_binary_headers_by_sdk_and_by_hand_decode_alike() -> None:
    ce = batch("unit", 1)[0]
    for payload, headers in (sdk_kafka_binary(ce), raw_kafka_binary(ce)):
        decoded = decode(Message(payload, "city.events", "kafka", 0, 7, tuple(headers)), Limits())
        assert isinstance(decoded, Event), decoded
        assert (decoded.ce["source"], decoded.ce["type"]) == (ce["source"], ce["type"])


def test_kafka_records_are_keyed_by_source() -> None:
    ce = batch("unit", 1)[0]
    assert source_key(orjson.dumps(ce)) == ce["source"].encode()
    assert source_key(b"not json") is None and source_key(b"[1, 2]") is None


class FlakyPipeline:
    """Stands in for the pipeline: fails the first `failures` batches, then takes them."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches: list[list[Message]] = []
        self.sinks: list[Any] = []

    def process(self, messages: list[Message]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("store away")
        self.batches.append(messages)


def test_a_batch_is_acknowledged_only_after_it_is_stored_in_order() -> None:
    pipeline = FlakyPipeline(failures=2)
    acked: list[int] = []
    lock = threading.Lock()

    def ack(tokens: list[int]) -> None:
        with lock:
            assert sum(len(b) for b in pipeline.batches) >= len(acked) + len(tokens)
            acked.extend(tokens)

    worker: BatchWorker[int] = BatchWorker(pipeline, ack, max_wait_s=0.05)  # type: ignore[arg-type]
    worker.start()
    for n in range(100):
        worker.put_many([(Message(b"{}", "city/parking/lots", "mqtt"), n)])
    wait_for(lambda: len(acked) == 100, what="100 acknowledgements")
    assert worker.drain(5) and worker.healthy
    worker.stop()
    assert acked == list(range(100))


def test_kafka_commits_the_next_offset_of_each_partition_and_forgets_old_consumers() -> None:
    from hub.transports.kafka.ingest import KafkaIngest

    ingest = KafkaIngest(FlakyPipeline(0), "127.0.0.1:9")  # type: ignore[arg-type]  # never started
    ingest._incarnation = 2
    topic = "city.events"
    ingest._ack([(2, topic, 0, 5), (2, topic, 1, 9), (2, topic, 0, 6), (1, topic, 3, 99)])
    assert ingest._stored == {("city.events", 0): 7, ("city.events", 1): 10}


def test_kafka_options_librdkafka_cannot_take_are_refused_when_the_hub_starts() -> None:
    """The consumer is librdkafka's: an option only Python code can pass (an ssl_context object) has no
    equivalent there, and the hub says so at once instead of retrying a consumer it can never make."""
    import ssl

    from hub.transports.kafka.ingest import KafkaIngest

    with pytest.raises(ValueError, match="librdkafka cannot take"):
        KafkaIngest(FlakyPipeline(0), "127.0.0.1:9", ssl_context=ssl.create_default_context())  # type: ignore[arg-type]
    ingest = KafkaIngest(FlakyPipeline(0), "k1:9093,k2:9093", security_protocol="SASL_SSL",  # type: ignore[arg-type]
                         sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="cityhub", sasl_plain_password="pw")
    config = ingest.consumer_config()
    assert config["bootstrap.servers"] == "k1:9093,k2:9093" and config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["group.id"] == "cityhub" and config["enable.auto.commit"] is False
