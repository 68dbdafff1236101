"""Nobody publishes as someone else: the authenticated Mosquitto, its accounts and ACL generated from
the adapters registry (scripts/mosquitto_auth.py), and a hub logged in with its own account."""

from __future__ import annotations

import importlib.util
import random
import sys
from datetime import UTC, datetime

import orjson
import pytest

from adapters.base import Adapter
from adapters.registry import ADAPTERS
from hub.store import EventQuery
from simulators.registry import SIMULATORS
from tests.security import mosquitto
from tests.security.mqtt import login
from tests.support import RunningHub, wait_for

spec = importlib.util.spec_from_file_location("mosquitto_auth", mosquitto.AUTH_SCRIPT)
assert spec and spec.loader
mosquitto_auth = importlib.util.module_from_spec(spec)
sys.modules["mosquitto_auth"] = mosquitto_auth
spec.loader.exec_module(mosquitto_auth)

NOT_AUTHORIZED = 135
SPOOFER = ADAPTERS["parking-lots"]


def rights(acl: str) -> dict[str, list[tuple[str, str]]]:
    grants: dict[str, list[tuple[str, str]]] = {}
    user = None
    for line in acl.splitlines():
        words = line.split()
        if words[:1] == ["user"]:
            user = words[1]
            grants[user] = []
        elif words[:1] == ["topic"]:
            assert user is not None, "a topic line before any user line applies to everyone"
            grants[user].append((words[1], words[2]) if len(words) == 3 else ("readwrite", words[1]))
    return grants


def own_events(adapter: Adapter, count: int) -> list[dict[str, object]]:
    """`count` distinct events from the adapter's simulator (which repeats some on purpose, as sources do),
    all timed now: a simulated stream runs ahead of the clock, and the hub refuses times 5 minutes ahead."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stream = SIMULATORS[adapter.simulator].messages(random.Random(3), datetime.now(UTC), 50.0)
    events: dict[tuple[object, object], dict[str, object]] = {}
    while len(events) < count:
        for event in adapter.adapt(next(stream)[1]):
            events.setdefault((event["source"], event["id"]), event | {"time": now})
    return list(events.values())[:count]


def victim() -> tuple[str, str | None]:
    """Another source's topic (and its account, when the registry has a second adapter)."""
    others = [a for a in ADAPTERS.values() if a.topic != SPOOFER.topic]
    return (others[0].topic, others[0].name) if others else ("city/water/sl651", None)


def spoofed(topic: str) -> bytes:
    """An event claiming to come from the victim's system, on the victim's topic."""
    _, domain, system = topic.split("/")
    event = own_events(SPOOFER, 1)[0] | {"source": f"/jiangmen/{domain}/{system}/FORGED-1",
                                          "id": "forged-1", "type": f"city.{domain}.level"}
    return orjson.dumps(event)


def test_acl_lets_each_adapter_write_only_its_own_topic() -> None:
    grants = rights(mosquitto_auth.acl_text(list(ADAPTERS.values())))
    assert grants.pop("cityhub") == [("read", "city/#"), ("readwrite", "hub/#")]
    assert set(grants) == set(ADAPTERS)
    for name, adapter in ADAPTERS.items():
        assert grants[name] == [("write", adapter.topic)], name
        assert "#" not in adapter.topic and "+" not in adapter.topic
    topics = [a.topic for a in ADAPTERS.values()]
    assert len(topics) == len(set(topics)), "two adapters share a topic: one could publish as the other"


def test_anonymous_and_wrong_password_are_refused(secure_broker: mosquitto.Mosquitto) -> None:
    for v5 in (True, False):
        anonymous = login(secure_broker.url(), f"anonymous-{v5}", v5=v5)
        guessing = login(secure_broker.url(SPOOFER.name), f"guess-{v5}", v5=v5, password="123456")
        for session in (anonymous, guessing):
            assert not session.connected.is_set()
            assert session.connack.value == NOT_AUTHORIZED
            session.close()


def test_adapter_may_publish_only_on_its_own_topic(secure_broker: mosquitto.Mosquitto) -> None:
    topic, _ = victim()
    adapter = login(secure_broker.url(SPOOFER.name), "spoofer-v5")
    assert adapter.connected.is_set()
    assert not adapter.publish(SPOOFER.topic, b"{}").is_failure
    assert adapter.publish(topic, b"{}").value == NOT_AUTHORIZED
    assert adapter.publish("hub/events/440703/parking", b"{}").value == NOT_AUTHORIZED
    assert adapter.publish(f"{SPOOFER.topic}/extra", b"{}").value == NOT_AUTHORIZED
    adapter.close()


def test_hub_account_reads_city_but_cannot_publish_as_a_source(secure_broker: mosquitto.Mosquitto) -> None:
    hub = login(secure_broker.url("cityhub"), "hub-probe")
    assert hub.connected.is_set()
    assert hub.publish(SPOOFER.topic, b"{}").value == NOT_AUTHORIZED
    assert not hub.publish("hub/deadletter", b"{}").is_failure


def test_adapter_cannot_read_other_sources(secure_broker: mosquitto.Mosquitto) -> None:
    topic, name = victim()
    if name is None:
        pytest.skip("the registry has one adapter: no other source to read")
    snoop = login(secure_broker.url(SPOOFER.name), "snoop")
    snoop.subscribe("city/#")
    hub = login(secure_broker.url("cityhub"), "hub-barrier")
    hub.subscribe("city/#")
    other = login(secure_broker.url(name), "other")
    other.publish(topic, b"{}")
    snoop.publish(SPOOFER.topic, b"{}")
    wait_for(lambda: len(hub.received) == 2, what="both messages at the hub's account")
    for session in (snoop, hub, other):
        session.close()
    assert snoop.received == [], "an adapter account read city messages"


@pytest.mark.integration
def test_spoofed_publish_never_reaches_the_hub(secure_broker: mosquitto.Mosquitto, hub_on_secure: RunningHub) -> None:
    topic, name = victim()
    forged = spoofed(topic)
    as_v5 = login(secure_broker.url(SPOOFER.name), "spoofer-v5")
    as_v311 = login(secure_broker.url(SPOOFER.name), "spoofer-v311", v5=False)
    assert as_v5.publish(topic, forged).value == NOT_AUTHORIZED
    as_v311.publish(topic, forged)  # v3.1.1 has no way to say no: the broker acknowledges and drops it
    good = own_events(SPOOFER, 5)
    for event in good:
        as_v311.publish(SPOOFER.topic, orjson.dumps(event))
    if name is not None:  # the same bytes from the victim's own account do get through
        genuine = login(secure_broker.url(name), "victim")
        genuine.publish(topic, forged)
        genuine.close()
    as_v5.close()
    as_v311.close()

    store = hub_on_secure.hub.store
    arrived = 5 + (name is not None)
    wait_for(lambda: sum(store.counts().values()) >= arrived, what=f"{arrived} messages at the hub")
    events = store.events(EventQuery(limit=1000)).items
    letters = store.deadletters(1000).items
    from_victim = [e for e in events if e["source"].startswith("/" + topic.replace("city", "jiangmen", 1))]
    from_victim += [d for d in letters if d["topic"] == topic]
    assert len(from_victim) == (name is not None), "a spoofed publish reached the hub"
    assert sorted(e["id"] for e in events if e["source"].startswith("/jiangmen/parking/")) == sorted(
        str(e["id"]) for e in good)
