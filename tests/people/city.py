"""A running hub with events and incidents in two districts, and one signed-in user per role.

蓬江区 (440703): a deep waterlogging → a flood incident for 蓬江区城市管理和综合执法局.
台山市 (440781): a fire alarm → a fire incident for 台山市消防救援大队.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from hub.people import users
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.api.conftest import OPERATOR, fire_alarm, waterlogging
from tests.support import HTTP, RunningHub, free_port, running_hub, wait_for

PASSWORD = "correct-horse-battery"
PENGJIANG, TAISHAN = "440703", "440781"
PJ_CHENGGUAN, TS_FIRE = "蓬江区城市管理和综合执法局", "台山市消防救援大队"
USERS: dict[str, dict[str, Any]] = {
    "zb": {"role": "city_operator"},
    "pj": {"role": "district_operator", "district": PENGJIANG},
    "ts": {"role": "district_operator", "district": TAISHAN},
    "pj_cg": {"role": "department", "department": PJ_CHENGGUAN, "district": PENGJIANG},
    "ts_fire": {"role": "department", "department": TS_FIRE},
    "jd": {"role": "inspector"},
    "ld": {"role": "leader"},
    "gl": {"role": "admin"},
}
_serial = itertools.count(1)
# argon2id at the lowest cost argon2 takes: these cities are about roles, areas and tokens, and each signs in
# every user; the hub's own parameters (RFC 9106, 64 MiB, a good part of a second per hash on this machine)
# are what tests/people/test_signin.py stores and checks.
LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class City:
    hub: RunningHub
    broker: EmbeddedBroker
    tokens: dict[str, str] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)  # district → incident
    events: dict[str, str] = field(default_factory=dict)  # district → an event uid

    def get(self, path: str, as_user: str | None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[as_user]}"} if as_user else {}
        return HTTP.get(self.hub.url + path, params=params, headers=headers)

    def post(self, path: str, as_user: str | None, body: dict[str, Any]) -> httpx.Response:
        """As a user of the city, or with any other token (a service token, a made-up one)."""
        headers = {"Authorization": f"Bearer {self.tokens.get(as_user or '', as_user)}"} if as_user else {}
        return HTTP.post(self.hub.url + path, json=body, headers=headers)

    def publish(self, *messages: tuple[str, dict[str, Any]]) -> None:
        publisher = MqttPublisher(self.broker.url, f"people-test-{next(_serial)}")
        try:
            for topic, ce in messages:
                publisher.publish(topic, [ce])
            publisher.flush()
        finally:
            publisher.close()


def sign_in(url: str, name: str, password: str = PASSWORD) -> httpx.Response:
    return HTTP.post(url + "/api/auth/token", data={"username": name, "password": password})


def open_city(tmp: Path, db: str) -> Iterator[City]:
    broker = EmbeddedBroker(free_port())
    broker.start()
    settings = Settings(data_dir=tmp, db=db, mqtt=broker.url, mqtt_v5=False, mqtt_client_id=f"hub-{tmp.name}",
                        operator_token=OPERATOR, incident_check_s=0)
    try:
        with pytest.MonkeyPatch.context() as patch, running_hub(settings) as running:
            patch.setattr(users, "HASHER", LIGHT_HASHER)
            running.hub.ingests["mqtt"].connected.wait(10)
            city = City(running, broker)
            city.publish(waterlogging(27), fire_alarm("fire"))
            wait_for(lambda: len(running.get("/api/incidents").json()["items"]) == 2, what="two incidents")
            for item in running.get("/api/incidents").json()["items"]:
                city.incidents[item["district_code"]] = item
            for feature in running.get("/api/events", limit=100).json()["features"]:
                city.events.setdefault(feature["properties"]["hub"]["district_code"], feature["id"])
            for name, row in USERS.items():
                running.hub.people.users.add(name, row["role"], PASSWORD, row.get("department"), row.get("district"))
                city.tokens[name] = sign_in(running.url, name).json()["access_token"]
            yield city
    finally:
        broker.stop()
