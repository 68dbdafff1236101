"""A hub worker on a host of its own loses its link to PostgreSQL mid-stream (its link to the broker stays up)
for longer than the MQTT keepalive, then gets it back: nothing is acknowledged while the store cannot be
reached, every event is stored exactly once after, and /healthz says the truth while the link is down."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.transports.mqtt.client import KEEPALIVE_S
from hub.transports.mqtt.publisher import MqttPublisher
from tests.hostile import postgres
from tests.partition.island import Island, island
from tests.partition.test_mqtt_partition import HostMosquitto
from tests.partition.worker import IslandHub
from tests.support import free_port, need, wait_for
from tests.transport.brokers import mosquitto_bin
from tests.transport.events import TOPIC, batch

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.timeout(600)]


class HostPostgres(postgres.OwnPostgres):
    """The test's own PostgreSQL, on the host's loopback and the host's end of the database link."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address
        with open(self.data / "pg_hba.conf", "a", encoding="utf-8") as hba:
            hba.write(f"host all all {address.rsplit('.', 1)[0]}.0/24 trust\n")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1,{self.address} -c fsync=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def url_from_island(self) -> str:
        return f"postgresql://postgres@{self.address}:{self.port}/cityhub"


@pytest.fixture
def land() -> Iterator[Island]:
    need(os.geteuid() == 0, "network namespaces need root")
    need(postgres.available() is None, str(postgres.available()))
    with island() as made:
        made.add_link()  # links[1]: the database's
        yield made


def stored(url: str) -> Counter[str]:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute("SELECT id FROM events WHERE id LIKE 'dbcut-%'").fetchall()
    except psycopg.errors.UndefinedTable:
        return Counter()
    return Counter(r[0] for r in rows)


def test_a_cut_database_link_loses_and_doubles_nothing(land: Island, tmp_path: Path) -> None:
    need(mosquitto_bin() is not None, "mosquitto is not installed (apt-get install mosquitto)")
    database = HostPostgres(land.links[1].host_address)
    database.start()
    database.create_database()
    broker = HostMosquitto(free_port(), tmp_path / "mosquitto", land.host_address)
    broker.start()
    hub = IslandHub(land, ["--mqtt", broker.url, "--db", database.url_from_island()], tmp_path / "hub",
                    env={"CITYHUB_MQTT_CLIENT_ID": "island-hub"})
    publisher = MqttPublisher(f"mqtt://127.0.0.1:{broker.port}", "host-publisher")
    try:
        hub.start()
        wait_for(lambda: hub.transport("mqtt").get("connected") is True, timeout=60, what="the hub subscribed")
        events = batch("dbcut", 1200)
        publisher.publish(TOPIC, events[:300])
        publisher.flush()
        wait_for(lambda: len(stored(database.url)) == 300, timeout=60, what="the first 300 stored")

        cut = threading.Event()

        def publish_paced() -> None:
            for start in range(300, 1000, 20):
                publisher.publish(TOPIC, events[start:start + 20])
                if start == 400:
                    cut.wait(60)
                time.sleep(0.05)

        paced = threading.Thread(target=publish_paced)
        paced.start()
        wait_for(lambda: len(stored(database.url)) >= 400, timeout=60, what="the stream under way")
        land.cut(1)
        cut.set()
        cut_at = time.monotonic()
        paced.join(60)
        # past the MQTT keepalive: the hub keeps its broker session while its store does not answer
        while time.monotonic() - cut_at < 1.5 * KEEPALIVE_S + 5:
            health = hub.health()
            assert health is not None, "/healthz must answer while the database cannot be reached"
            if time.monotonic() - cut_at > 5:  # a batch written as the link went is still in TCP's hands
                assert health["status"] == "degraded" and health["store_answering"] is False, health
            assert health["transports"]["mqtt"]["connected"] is True, health
            time.sleep(2)
        stored_while_cut = len(stored(database.url))
        land.restore(1)
        publisher.publish(TOPIC, events[1000:])
        publisher.flush()
        wait_for(lambda: len(stored(database.url)) == 1200, timeout=180, what="all 1200 stored after the cut")
        counts = stored(database.url)
        assert set(counts) == {e["id"] for e in events}
        assert max(counts.values()) == 1, [i for i, n in counts.items() if n > 1][:5]
        assert stored_while_cut < 1000  # what came during the cut waited for the link (at the broker, unacknowledged)
        wait_for(lambda: (hub.health() or {}).get("store_answering") is True, what="/healthz: the store answers")
        assert hub.transport("mqtt")["connections"] == 1  # one session throughout
    finally:
        publisher.close(timeout=5)
        hub.stop()
        broker.stop()
        database.destroy()
