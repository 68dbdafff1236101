"""What a benchmark run does differently for each transport, one class a transport.

The transports are the hub's own (hub.transports.base: `schemes`, `transport_for`): `--transport` offers
the names the registry finds, each broker here gives the hub its URL, and the hub process is connected
by the transport that URL's scheme names. What only the bench needs — the broker process it starts,
the topic it prepares, how several workers share the stream, its bare consumer — is here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bench.brokers import Broker, Mosquitto, Tansu
from hub.transports.base import kafka_url, schemes

if TYPE_CHECKING:
    from bench.hubproc import Hubs
    from bench.publish import Producers


class BenchTransport(Protocol):
    name: str
    bare_first: bool  # the bare consumer runs before the hubs start (its own publish) or after them (the hubs')

    def broker(self, workdir: Path) -> Broker: ...
    def hub_url(self, broker: Broker) -> str: ...
    def prepare(self, broker: Broker, partitions: int) -> None: ...
    def shared(self, tag: str, workers: int) -> dict[str, str]: ...
    def ready(self, hubs: Hubs) -> bool: ...
    def bare(self, broker: Broker, expected: int, tag: str, producers: Producers | None) -> dict[str, Any]: ...


class MqttBench:
    """Mosquitto with the project's config; several workers share one MQTT 5 shared subscription."""

    name = "mqtt"
    bare_first = True

    def broker(self, workdir: Path) -> Broker:
        return Mosquitto(workdir)

    def hub_url(self, broker: Broker) -> str:
        return broker.url

    def prepare(self, broker: Broker, partitions: int) -> None:
        return None  # topics need no making

    def shared(self, tag: str, workers: int) -> dict[str, str]:
        return {"CITYHUB_MQTT_SHARE_GROUP": f"bench-{tag}"} if workers > 1 else {}

    def ready(self, hubs: Hubs) -> bool:
        return True

    def bare(self, broker: Broker, expected: int, tag: str, producers: Producers | None) -> dict[str, Any]:
        from bench.bare import mqtt_bare

        assert producers is not None, "the bare MQTT subscriber takes a publish of its own"
        return mqtt_bare(broker.url, producers, expected)


class KafkaBench:
    """tansu with `city.events` made for the run; several workers are one consumer group."""

    name = "kafka"
    bare_first = False

    def broker(self, workdir: Path) -> Broker:
        return Tansu(workdir)

    def hub_url(self, broker: Broker) -> str:
        return kafka_url(broker.url)

    def prepare(self, broker: Broker, partitions: int) -> None:
        from bench.run import create_topic

        create_topic(broker.url, partitions)

    def shared(self, tag: str, workers: int) -> dict[str, str]:
        return {"CITYHUB_KAFKA_GROUP": f"bench-{tag}"}

    def ready(self, hubs: Hubs) -> bool:
        """Every worker owns partitions (the group has settled)."""
        return len(hubs.workers) == 1 or all(hubs.partitions())

    def bare(self, broker: Broker, expected: int, tag: str, producers: Producers | None) -> dict[str, Any]:
        from bench.bare import kafka_bare

        return kafka_bare(broker.url, expected, group=f"bare-{tag}")


BENCHES: dict[str, BenchTransport] = {b.name: b for b in (MqttBench(), KafkaBench())}


def names() -> list[str]:
    """The transports the hub's registry serves that the bench knows how to run."""
    return sorted(set(schemes().values()) & set(BENCHES))


def bench_for(name: str) -> BenchTransport:
    if name not in names():
        raise ValueError(f"no bench for transport {name!r}: there are {', '.join(names())}")
    return BENCHES[name]
