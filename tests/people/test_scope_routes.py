"""Every read route is held to the caller's area (hub/people/scopes.py READ_RULES), tested over the OpenAPI
route list: a new GET route without a rule fails here, and each rule is checked against a real hub whose
two districts both hold events and incidents."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
import websockets

from hub.api.app import create_app
from hub.people.scopes import READ_RULES
from hub.registry import load_registry
from hub.settings import Settings
from tests.api.conftest import BAISHA, TAICHENG, fire_alarm, offset, waterlogging
from tests.people.city import PENGJIANG, TAISHAN, City

GET_ROUTES = sorted(path for path, ops in create_app(SimpleNamespace(settings=Settings())).openapi()["paths"].items()
                    if "get" in ops)  # type: ignore[arg-type]
# (user, their district, the other district) — a district operator, and a department of the other district
ITEM_KEYS = ("{uid}", "{incident_id}", "{device_id}", "{fid}")
SCOPED = [("pj", PENGJIANG, TAISHAN), ("ts_fire", TAISHAN, PENGJIANG)]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_every_read_route_has_a_scope_rule(path: str) -> None:
    assert path in READ_RULES, f"GET {path} has no scope rule: add it to hub/people/scopes.py READ_RULES"


def device_in(district: str) -> str:
    return next(d for d, row in load_registry().devices.items() if row.get("district_code") == district)


def filled(city: City, path: str, other: str) -> list[str]:
    """The route's path with its parameters filled in, pointing at the other district's things."""
    incident = str(city.incidents[other]["id"])
    values = {"{uid}": city.events[other], "{incident_id}": incident, "{by}": "district", "{layer}": "districts",
              "{device_id}": device_in(other), "{name}": "city.water.level"}
    paths = [path]
    for key, value in values.items():
        paths = [p.replace(key, value) for p in paths]
    if "{cid}" in path:
        fids = {"events": city.events[other], "incidents": incident}
        paths = [p.replace("{cid}", cid).replace("{fid}", fids[cid]) for p in paths for cid in ("events", "incidents")]
    return paths


@pytest.mark.integration
@pytest.mark.parametrize("path", GET_ROUTES)
def test_each_read_keeps_to_the_callers_area(city: City, path: str) -> None:
    rule = READ_RULES.get(path)
    assert rule is not None, f"GET {path} has no scope rule"
    for user, _own, other in SCOPED:
        for url in filled(city, path, other):
            answer = city.get(url, user)
            if rule == "geography":  # open to every reader; a missing parameter may still answer 400
                assert answer.status_code not in (401, 403) and answer.status_code < 500, (url, answer.text)
            elif rule == "city":
                assert answer.status_code == 403, (url, answer.text)
                assert city.get(url, "zb").status_code not in (401, 403), url  # the city centre reads it
            elif rule == "admin":
                assert answer.status_code == 403 and city.get(url, "gl").status_code == 200, url
            elif rule == "self":
                assert answer.status_code == 200 and answer.json()["user"]["name"] == user
            else:
                assert rule == "area", rule
                if any(key in path for key in ITEM_KEYS):  # one thing of the other district: as if not there
                    assert answer.status_code == 404, (url, answer.text)
                    assert city.get(url, "zb").status_code == 200, url
                    continue
                assert answer.status_code == 200, (url, answer.text)
                assert other not in answer.text, f"{user} sees {other} at {url}: {answer.text[:300]}"


@pytest.mark.integration
def test_the_area_checks_can_fail(city: City) -> None:
    """What the area test looks for is there for the whole city: the city operator sees both districts."""
    for path in ("/api/events", "/api/incidents", "/api/stats", "/api/analysis/counts/district",
                 "/api/analysis/top-cells", "/ogc/collections/incidents/items", "/api/map/registry"):
        text = city.get(path, "zb").text
        assert PENGJIANG in text and TAISHAN in text, path


@pytest.mark.integration
def test_asking_for_another_district_is_refused_and_reads_need_a_sign_in(city: City) -> None:
    refused = city.get("/api/incidents", "pj", district=TAISHAN)
    assert refused.status_code == 403 and "outside" in refused.json()["detail"]
    assert city.get("/api/incidents", "pj", district=PENGJIANG).status_code == 200
    assert city.get("/api/incidents", None).status_code == 401  # users exist: no more open reads
    assert city.get("/api/incidents", "ld").json()["numberReturned"] == 2  # a leader reads the whole city


@pytest.mark.integration
def test_the_live_stream_sends_a_district_user_only_their_district(city: City) -> None:
    url = city.hub.url.replace("http", "ws") + "/ws/live"

    async def listen(user: str, want: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        async with websockets.connect(url, subprotocols=[f"bearer.{city.tokens[user]}"]) as ws:  # type: ignore[list-item]
            assert orjson.loads(await ws.recv())["kind"] == "hello"
            ready.set()
            while len([i for i in got if i["kind"] == "event"]) < want:
                message = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
                got += message.get("items", [])
        return got

    async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        district = asyncio.create_task(listen("pj", 1))
        whole = asyncio.create_task(listen("zb", 4))
        while not all(e.is_set() for e in ready_all):
            await asyncio.sleep(0.05)
        await asyncio.to_thread(city.publish, fire_alarm("cleared", panel="TS-UITD-0077", at=offset(TAICHENG, 500)),
                                fire_alarm("cleared", panel="TS-UITD-0078", at=offset(TAICHENG, 900)),
                                fire_alarm("cleared", panel="TS-UITD-0079", at=offset(TAICHENG, 1300)),
                                waterlogging(5, at=offset(BAISHA, 300), device="WL-0177"))
        return await district, await whole

    ready_all = [asyncio.Event(), asyncio.Event()]
    ready = _Both(ready_all)
    district, whole = asyncio.run(both())
    assert {i.get("district_code") for i in district} == {PENGJIANG}
    assert {i.get("district_code") for i in whole if i["kind"] == "event"} == {PENGJIANG, TAISHAN}
    refused = asyncio.run(_refused(url))
    assert refused


class _Both:
    """Each listener sets the next event as it is ready."""

    def __init__(self, events: list[asyncio.Event]) -> None:
        self.events = events

    def set(self) -> None:
        next(e for e in self.events if not e.is_set()).set()


async def _refused(url: str) -> bool:
    try:
        async with websockets.connect(url) as ws:
            await asyncio.wait_for(ws.recv(), 5)
    except websockets.exceptions.ConnectionClosed as closed:
        return closed.rcvd is not None and closed.rcvd.code == 1008
    except websockets.exceptions.InvalidStatus:
        return True
    return False
