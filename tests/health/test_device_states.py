"""Device states and offline alarms through a real broker: a simulator that reports, stops and resumes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.health.conftest import Sensors
from tests.support import RunningHub, wait_for

pytestmark = pytest.mark.integration


def state(hub: RunningHub, device_id: str) -> str:
    return str(hub.get(f"/api/devices/{device_id}").json()["state"])


def alarms(hub: RunningHub, device_id: str) -> list[dict[str, Any]]:
    items = hub.get("/api/incidents", limit=100).json()["items"]
    return [i for i in items if i["group"] in ("device-offline", "device-flapping") and device_id in i["title"]]


def test_a_device_goes_never_seen_online_offline_and_back(fast_hub: RunningHub, sensors: Sensors) -> None:
    device = sensors.devices[0].device_id
    assert state(fast_hub, device) == "never_seen"
    sensors.running.set()
    wait_for(lambda: state(fast_hub, device) == "online", what="online")
    one = fast_hub.get(f"/api/devices/{device}").json()
    assert one["record"]["kind"] == "waterlogging-sensor" and one["cadence_s"] == 3
    assert "depth_cm" in one["latest"]["city.water.waterlogging"]["values"] and one["last_24h"]
    assert alarms(fast_hub, device) == []

    sensors.running.clear()  # the simulator stops: late after 4.5 s, offline after 9 s, and an alarm
    wait_for(lambda: state(fast_hub, device) == "offline", what="offline")
    wait_for(lambda: len(alarms(fast_hub, device)) == 1, what="an offline alarm")
    alarm = alarms(fast_hub, device)[0]
    assert alarm["group"] == "device-offline" and alarm["state"] == "reported"
    assert alarm["department"] == one["record"]["department"] == "蓬江区城市管理和综合执法局"
    offline = fast_hub.get("/api/devices", state="offline").json()
    assert {d["device_id"] for d in offline["items"]} >= {device}

    sensors.running.set()  # it resumes: online again, the alarm closed
    wait_for(lambda: state(fast_hub, device) == "online", what="online again")
    wait_for(lambda: alarms(fast_hub, device)[0]["state"] == "closed", what="the alarm closed")
    assert len(alarms(fast_hub, device)) == 1


def test_a_flapping_device_is_reported_once(fast_hub: RunningHub, sensors: Sensors) -> None:
    device = sensors.devices[0].device_id
    for flap in range(3):
        sensors.running.set()
        wait_for(lambda: state(fast_hub, device) == "online", what=f"online ({flap})")
        sensors.running.clear()
        wait_for(lambda: state(fast_hub, device) == "offline", what=f"offline ({flap})")
        wait_for(lambda: fast_hub.get(f"/api/devices/{device}").json()["alarm_incident"] is not None
                 or fast_hub.get(f"/api/devices/{device}").json()["flapping_incident"] is not None,
                 what=f"an alarm in force ({flap})")
    found = alarms(fast_hub, device)
    assert sorted(a["group"] for a in found) == ["device-flapping", "device-offline"]  # not one per flap
    assert {a["group"]: a["state"] for a in found} == {"device-offline": "closed", "device-flapping": "reported"}


def test_online_rates_completeness_and_unknown_devices(fast_hub: RunningHub, sensors: Sensors) -> None:
    from hub.transports.mqtt.publisher import MqttPublisher
    from tests.api.conftest import waterlogging

    sensors.running.set()
    wait_for(lambda: state(fast_hub, sensors.devices[1].device_id) == "online", what="online")
    publisher = MqttPublisher(fast_hub.hub.settings.mqtt or "", "test-stranger")
    topic, ce = waterlogging(3.0, device="WL-NOT-REGISTERED")
    publisher.publish(topic, [ce])
    publisher.close()
    wait_for(lambda: fast_hub.get("/api/devices/health").json()["unknown_devices"] != {}, what="an unknown device")
    body = fast_hub.get("/api/devices/health", by="class").json()
    assert body["unknown_devices"] == {"/jiangmen/water/waterlogging": 1}
    group = next(g for g in body["groups"] if g["class"] == "waterlogging-sensor")
    assert group["monitored"] == 32 and group["online"] == 2 and group["never_seen"] == 30
    assert group["online_rate"] == round(2 / 32, 4)
    assert next(g for g in body["groups"] if g["class"] == "camera")["monitored"] == 0  # event-driven here
    assert body["completeness"]["target"] == 0.8 and body["completeness"]["cameras"] == 1.0
    assert fast_hub.get("/api/devices/health", by="town").status_code == 422
    assert fast_hub.get("/api/devices/nope").status_code == 404


def test_quality_of_the_simulated_source_over_http(fast_hub: RunningHub, sensors: Sensors) -> None:
    from hub.transports.mqtt.publisher import MqttPublisher

    sensors.running.set()
    publisher = MqttPublisher(fast_hub.hub.settings.mqtt or "", "test-bad-push")
    publisher.publish_raw("city/water/waterlogging", b'{"specversion": "1.0"')
    publisher.close()

    def figures() -> dict[str, Any]:
        return dict(fast_hub.get("/api/quality", source="water-waterlogging", window="15m").json()["sources"][0])

    wait_for(lambda: figures()["events"] >= 6 and figures()["dead_letters"] == 1, what="events and a dead letter")
    found = figures()
    assert found["timeliness"]["p95_s"] is not None and found["validity"] < 1
    assert list(found["dead_reasons"]) and found["dead_reasons"][next(iter(found["dead_reasons"]))] == 1
    for bad in ({"window": "soon"}, {"window": "30s"}, {"window": "48h"}):
        response = fast_hub.get("/api/quality", **bad)
        assert response.status_code == 422 and "window" in response.json()["detail"][0]["msg"]
    assert fast_hub.get("/api/quality", source="no-such-source").status_code == 404
