"""A real hub (embedded MQTT broker, SQLite or PostgreSQL) with an operator token, and a way to publish
canonical events to it as the adapters do."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.base import cloudevent
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.incidents.pg import empty_incident_tables, throwaway_database
from tests.support import HTTP, RunningHub, running_hub, wait_for

OPERATOR, VIEWER = "op-7f3a9c", "view-51b2"
CHINA = timezone(timedelta(hours=8))
BAISHA = (113.0850, 22.5900)  # 蓬江区
TAICHENG = (112.7900, 22.2500)  # 台山市
_serial = itertools.count(1)


def offset(point: tuple[float, float], east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    return point[0] + east_m / 102_850, point[1] + north_m / 110_750


def event(domain: str, system: str, device: str, event_type: str, data: dict[str, Any],
          at: tuple[float, float] = BAISHA, when: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """(topic, CloudEvent) as an adapter would publish it; the point is WGS84."""
    when = when or datetime.now(CHINA) - timedelta(seconds=1)
    data = data | {"location": {"lon": at[0], "lat": at[1], "crs": "wgs84"}}
    source = f"/jiangmen/{domain}/{system}/{device}"
    return f"city/{domain}/{system}", cloudevent(source, event_type, f"{device}-{next(_serial)}", when, data)


def waterlogging(depth_cm: float, at: tuple[float, float] = BAISHA, device: str = "WL-0101") -> tuple[str, Any]:
    level = "severe" if depth_cm >= 40 else "deep" if depth_cm >= 15 else "shallow"
    return event("water", "waterlogging", device, "city.water.waterlogging",
                 {"sensor_id": device, "depth_cm": depth_cm, "level": level}, at)


def complaint(text: str, at: tuple[float, float] = BAISHA) -> tuple[str, Any]:
    order = f"GD{next(_serial):08d}"
    return event("hotline", "12345", order, "city.hotline.workorder",
                 {"order_id": order, "category": ["城市管理"], "description": text}, at)


def fire_alarm(state: str, panel: str = "TS-UITD-0042", at: tuple[float, float] = TAICHENG) -> tuple[str, Any]:
    return event("fire", "uitd", panel, "city.fire.alarm", {"panel_id": panel, "state": state}, at)


@pytest.fixture(scope="session")
def pg_api_db() -> Iterator[str]:
    yield from throwaway_database("cityhub_api")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return ""
    import psycopg

    url = str(request.getfixturevalue("pg_api_db"))
    empty_incident_tables(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, deadletters, tallies")
    return url


@pytest.fixture
def hub(embedded_broker: EmbeddedBroker, tmp_path: Path, db: str) -> Iterator[RunningHub]:
    settings = Settings(data_dir=tmp_path, db=db, mqtt=embedded_broker.url, mqtt_v5=False,
                        mqtt_client_id=f"hub-{tmp_path.name}", operator_token=OPERATOR, incident_check_s=0)
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running


@pytest.fixture
def publish(hub: RunningHub) -> Iterator[Callable[..., None]]:
    publisher = MqttPublisher(hub.hub.settings.mqtt or "", f"test-{next(_serial)}")

    def send(*messages: tuple[str, dict[str, Any]]) -> None:
        for topic, ce in messages:
            publisher.publish(topic, [ce])
        publisher.flush()

    yield send
    publisher.close()


def incidents(hub: RunningHub, **params: Any) -> list[dict[str, Any]]:
    return list(hub.get("/api/incidents", **params).json()["items"])


def wait_incidents(hub: RunningHub, count: int, members: int | None = None) -> list[dict[str, Any]]:
    def ready() -> bool:
        found = incidents(hub)
        return len(found) == count and (members is None or sum(i["member_count"] for i in found) == members)

    wait_for(ready, what=f"{count} incidents" + (f" with {members} members" if members else ""))
    return incidents(hub)


def post(hub: RunningHub, path: str, body: dict[str, Any], token: str | None = OPERATOR) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return HTTP.post(hub.url + path, json=body, headers=headers)
