"""On a broker with no ACL (the embedded one), the hub itself refuses an event whose `source` is not the
system of the topic it came on: a dead letter with the reason, the genuine events stored."""

from __future__ import annotations

import orjson
import pytest

from hub.transports.mqtt.publisher import MqttPublisher
from tests.security.test_mqtt_acl import SPOOFER, own_events
from tests.support import RunningHub, wait_for

pytestmark = pytest.mark.integration


def test_hub_dead_letters_an_event_whose_source_does_not_match_its_topic(hub_on_embedded: RunningHub) -> None:
    good, stolen, other_domain = own_events(SPOOFER, 3)
    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", "origin-test")
    publisher.publish_raw("city/parking/lots-rival", orjson.dumps(stolen))  # another parking system's topic
    publisher.publish_raw("city/water/sl651", orjson.dumps(other_domain))  # a parking event on a water topic
    publisher.publish(SPOOFER.topic, [good])
    publisher.close()

    store = hub_on_embedded.hub.store
    wait_for(lambda: store.counts() == {"events": 1, "deadletters": 2}, what="1 event and 2 dead letters")
    letters = {d["topic"]: d["reason"] for d in hub_on_embedded.get("/api/deadletters").json()["items"]}
    for topic, event in (("city/parking/lots-rival", stolen), ("city/water/sl651", other_domain)):
        assert letters[topic] == f"source {event['source']} does not match topic {topic}"
    stored = hub_on_embedded.get("/api/events").json()["features"]
    assert [f["properties"]["id"] for f in stored] == [good["id"]]
