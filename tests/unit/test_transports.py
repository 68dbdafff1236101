"""The transport registry: schemes discovered from hub/transports/, one module set per transport."""

from __future__ import annotations

from pathlib import Path

import pytest

import hub.transports
from hub.transports.base import address, kafka_url, schemes, transport_for

PACKAGE = Path(hub.transports.__file__).parent
MODULES = {"__init__.py", "broker.py", "client.py", "glance.py", "ingest.py", "publisher.py"}


def test_schemes_are_discovered_from_the_packages() -> None:
    assert schemes() == {"mqtt": "mqtt", "mqtts": "mqtt", "kafka": "kafka"}


@pytest.mark.parametrize("package", sorted({p.parent.name for p in PACKAGE.glob("*/__init__.py")}))
def test_every_transport_has_the_shared_module_set(package: str) -> None:
    have = {p.name for p in (PACKAGE / package).glob("*.py")}
    assert have >= MODULES, f"hub/transports/{package}/ lacks {sorted(MODULES - have)}"


def test_a_url_finds_its_transport() -> None:
    assert transport_for("mqtt://127.0.0.1:1883").name == "mqtt"
    assert transport_for("kafka://127.0.0.1:9092").name == "kafka"
    assert transport_for(kafka_url("a:9092,b:9092")).name == "kafka"


def test_an_unknown_scheme_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="kafka, mqtt, mqtts"):
        transport_for("amqp://127.0.0.1:5672")
    with pytest.raises(ValueError):
        transport_for("127.0.0.1:1883")


def test_kafka_takes_the_bootstrap_list_bare_or_as_a_url() -> None:
    assert kafka_url("a:9092,b:9092") == "kafka://a:9092,b:9092"
    assert kafka_url("kafka://a:9092") == "kafka://a:9092"
    assert address("kafka://a:9092,b:9092") == "a:9092,b:9092"
