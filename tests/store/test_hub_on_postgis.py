"""The whole hub on PostgreSQL+PostGIS (`cityhub serve --db postgresql://…`): events published to the
embedded MQTT broker are found through GET /api/events with a bounding box, and rejects in the dead letters."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.store.cases import PENGJIANG, TAISHAN, rfc3339
from tests.support import RunningHub, running_hub, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def hub_on_postgis(embedded_broker: EmbeddedBroker, pg_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    settings = Settings(data_dir=tmp_path, db=pg_url, mqtt=embedded_broker.url, mqtt_v5=False,
                        mqtt_client_id=f"hub-pg-{tmp_path.name}")
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running


def gauge(n: int, where: tuple[float, float]) -> dict[str, object]:
    return {"specversion": "1.0", "id": f"level-{n}", "source": "/jiangmen/water/gauge/JM-RG-0042",
            "type": "city.water.level", "time": rfc3339(time.time() - 60 + n),
            "data": {"station_id": "JM-RG-0042", "level_m": 2.0 + n / 10,
                     "location": {"lon": where[0] + n * 0.001, "lat": where[1]}}}


def test_published_events_are_found_by_bbox_on_postgis(hub_on_postgis: RunningHub) -> None:
    hub = hub_on_postgis
    assert type(hub.hub.store).__name__ == "PostgresStore"
    events = [gauge(n, PENGJIANG) for n in range(5)] + [gauge(n, TAISHAN) for n in range(5, 8)]
    publisher = MqttPublisher(hub.hub.settings.mqtt or "", "test-postgis")
    publisher.publish("city/water/gauge", events + events[:2])  # two redelivered: stored once
    publisher.publish_raw("city/water/gauge", b'{"specversion": "1.0", "id": ')  # malformed: a dead letter
    publisher.close()
    wait_for(lambda: hub.get("/healthz").json()["store"] == {"events": 8, "deadletters": 1},
             what="8 events and 1 dead letter in PostGIS")

    lon, lat = PENGJIANG
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    page = hub.get("/api/events", bbox=bbox, limit=3).json()
    assert page["type"] == "FeatureCollection" and page["numberReturned"] == 3
    rest = hub.get(page["links"][0]["href"].removeprefix(hub.url)).json()
    assert rest["numberReturned"] == 2 and rest["links"] == []
    found = page["features"] + rest["features"]
    assert sorted(f["properties"]["id"] for f in found) == [f"level-{n}" for n in range(5)]
    for feature in found:
        x, y = feature["geometry"]["coordinates"]
        assert lon - 0.01 <= x <= lon + 0.01 and lat - 0.01 <= y <= lat + 0.01
        assert feature["properties"]["hub"]["district_code"] == "440703"

    taishan = hub.get("/api/events", bbox="112.7,22.2,112.9,22.3", domain="water").json()
    assert sorted(f["properties"]["id"] for f in taishan["features"]) == ["level-5", "level-6", "level-7"]
    one = hub.get(f"/api/events/{found[0]['id']}").json()
    assert orjson.loads(base64.b64decode(one["raw"]))["id"] == found[0]["properties"]["id"]
    assert {r["key"]: r["count"] for r in hub.get("/api/stats", by="district").json()["counts"]} == {
        "440703": 5, "440781": 3}
    dead = hub.get("/api/deadletters").json()["items"]
    assert base64.b64decode(dead[0]["raw"]) == b'{"specversion": "1.0", "id": '
    assert dead[0]["reason"].startswith("invalid JSON") and dead[0]["topic"] == "city/water/gauge"
