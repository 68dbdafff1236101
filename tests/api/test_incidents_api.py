"""Incidents through a real hub (embedded MQTT broker; SQLite and PostgreSQL): real events open and join
incidents routed by the responsibility list; the case flow over HTTP with tokens, 409s and history;
the fire timer and overdue escalation on an injected clock; the live stream; paging."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import orjson
import pytest
import websockets

from tests.api.conftest import (
    BAISHA,
    OPERATOR,
    TAICHENG,
    VIEWER,
    complaint,
    fire_alarm,
    incidents,
    offset,
    post,
    wait_incidents,
    waterlogging,
)
from tests.support import HTTP, RunningHub, wait_for

pytestmark = pytest.mark.integration
Publish = Callable[..., None]


def test_an_alarm_opens_an_incident_routed_by_the_list_and_related_events_join(hub: RunningHub,
                                                                               publish: Publish) -> None:
    publish(waterlogging(8))  # shallow: no alarm, no incident
    publish(waterlogging(27), complaint("白沙大道水浸，车都过不了", offset(BAISHA, 250, 100)),
            complaint("路灯不亮", offset(BAISHA, 100)))  # the street-light complaint is not about flooding
    [found] = wait_incidents(hub, 1, members=2)
    assert found["state"] == "reported" and found["group"] == "flood" and found["district_code"] == "440703"
    assert found["department"] == "蓬江区城市管理和综合执法局"  # 权责清单: waterlogging in 蓬江区
    assert found["alarms"] == ["water.waterlogging.deep"] and found["severity"] == 3
    assert found["title"].startswith("暴雨内涝：道路积水超15厘米 · 蓬江区")

    one = hub.get(f"/api/incidents/{found['id']}").json()
    assert sorted(m["type"] for m in one["members"]) == ["city.hotline.workorder", "city.water.waterlogging"]
    assert all(hub.get(m["links"][0]["href"]).status_code == 200 for m in one["members"])  # the member events
    [opened] = one["steps"]
    assert (opened["action"], opened["to_state"], opened["who"]) == ("open", "reported", "system:correlation")
    assert one["next_states"] == ["registered", "verifying", "rejected"]
    stored = hub.get(f"/api/events/{one['members'][0]['event_uid']}").json()
    assert stored["hub"]["alarms"] in ([], ["water.waterlogging.deep"])  # the rules ran before store
    assert hub.get("/api/incidents/999999").status_code == 404


def test_the_case_flow_over_http_needs_the_operator_token_and_keeps_the_history(hub: RunningHub,
                                                                               publish: Publish) -> None:
    publish(fire_alarm("fire"))
    [found] = wait_incidents(hub, 1)
    assert found["department"] == "台山市消防救援大队" and found["group"] == "fire"
    path = f"/api/incidents/{found['id']}/transitions"

    assert post(hub, path, {"to": "registered"}, token=None).status_code == 401
    assert post(hub, path, {"to": "registered"}, token="guess").status_code == 403
    hub.hub.settings.viewer_token = VIEWER
    try:
        denied = post(hub, path, {"to": "registered"}, token=VIEWER)
        assert denied.status_code == 403 and "read-only" in denied.json()["detail"]
    finally:
        hub.hub.settings.viewer_token = None
    skipped = post(hub, path, {"to": "closed", "note": "直接结案"})
    assert skipped.status_code == 409 and "cannot go from reported" in skipped.json()["detail"]

    for to, note in [("registered", "监控中心核实，立案"), ("dispatched", "派遣台山市消防救援大队"),
                     ("in_progress", "中队已出动"), ("verified", "现场核查：误报已排除"), ("closed", "结案")]:
        response = post(hub, path, {"to": to, "note": note, "by": "值班长 李"})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == to
    steps = hub.get(f"/api/incidents/{found['id']}").json()["steps"]
    assert [s["to_state"] for s in steps] == ["reported", "registered", "dispatched", "in_progress", "verified",
                                              "closed"]
    assert steps[2]["who"] == "operator:值班长 李" and steps[2]["note"] == "派遣台山市消防救援大队" and steps[2]["at"]
    assert post(hub, path, {"to": "in_progress"}).status_code == 409  # closed is final
    assert post(hub, "/api/incidents/424242/transitions", {"to": "registered"}).status_code == 404
    assert [i["id"] for i in incidents(hub, state="closed")] == [found["id"]]
    assert incidents(hub, state="reported") == []
    assert hub.get("/api/incidents", state="bogus").status_code == 422

    hub.hub.settings.operator_token = None
    try:
        refused = post(hub, path, {"to": "registered"}, token=OPERATOR)
        assert refused.status_code == 503 and refused.json()["detail"] == "no operator token configured"
    finally:
        hub.hub.settings.operator_token = OPERATOR


def test_reads_need_the_viewer_token_once_one_is_configured(hub: RunningHub) -> None:
    assert hub.get("/api/incidents").status_code == 200  # no viewer token: reads are open
    hub.hub.settings.viewer_token = VIEWER
    try:
        assert hub.get("/api/incidents").status_code == 401
        for token, status in ((VIEWER, 200), (OPERATOR, 200), ("nope", 403)):
            response = httpx_get(hub, "/api/incidents", token)
            assert response.status_code == status
        assert httpx_get(hub, "/ogc/collections", None).status_code == 401
        assert httpx_get(hub, "/api/analysis/counts/district", VIEWER).status_code == 200
    finally:
        hub.hub.settings.viewer_token = None


def httpx_get(hub: RunningHub, path: str, token: str | None):  # type: ignore[no-untyped-def]

    return HTTP.get(hub.url + path, headers={"Authorization": f"Bearer {token}"} if token else {})


def test_a_fire_alarm_not_cleared_escalates_and_overdue_steps_escalate(hub: RunningHub, publish: Publish) -> None:
    publish(fire_alarm("fire", panel="TS-UITD-0001"), fire_alarm("fire", panel="TS-UITD-0002", at=BAISHA))
    publish(fire_alarm("cleared", panel="TS-UITD-0002", at=BAISHA))  # a false alarm, reset at the panel
    wait_incidents(hub, 2, members=3)  # the reset joins its alarm's incident: the timer is closed by then
    engine = hub.hub.incidents
    later = time.time() + 6 * 60
    changed = engine.tick(later)  # the periodic check, with the clock moved on
    assert len(changed) == 1
    taicheng = next(i for i in incidents(hub) if i["district_code"] == "440781")
    assert taicheng["alarms"] == ["fire.alarm.active", "fire.alarm.not-cleared"] and taicheng["severity"] == 4
    assert "火警超时未复位" in hub.get(f"/api/incidents/{taicheng['id']}").json()["steps"][-1]["note"]

    engine.tick(time.time() + 3600)  # both still unregistered after the 0.5 h 受理/立案 limit
    late = incidents(hub, overdue="true")
    assert len(late) == 2 and all(i["overdue"] for i in late)
    steps = hub.get(f"/api/incidents/{taicheng['id']}").json()["steps"]
    assert steps[-1]["action"] == "escalate" and "江门市城市运行管理中心" in steps[-1]["note"]
    overdue_view = hub.get("/api/analysis/incidents/overdue").json()
    assert overdue_view["numberReturned"] == 2
    by_department = hub.get("/api/analysis/incidents/open-by-department").json()["departments"]
    assert {"department": "台山市消防救援大队", "open": 1, "overdue": 1} in by_department

    moved = post(hub, f"/api/incidents/{taicheng['id']}/transitions", {"to": "registered", "note": "补立案"})
    assert moved.json()["overdue"] is False


def test_incident_changes_reach_the_live_stream(hub: RunningHub, publish: Publish) -> None:
    async def listen() -> list[dict[str, object]]:
        async with websockets.connect(hub.url.replace("http", "ws") + "/ws/live") as ws:
            assert orjson.loads(await ws.recv())["kind"] == "hello"
            await asyncio.to_thread(publish, waterlogging(45, at=offset(BAISHA, -800, 300)))
            while True:
                message = orjson.loads(await asyncio.wait_for(ws.recv(), 20))
                found = [i for i in message.get("items", []) if i["kind"] == "incident"]
                if found:
                    return found

    [item] = asyncio.run(listen())
    assert item["state"] == "reported" and item["member_count"] == 1 and item["severity"] == 4
    assert item["department"] == "蓬江区城市管理和综合执法局" and item["due_at"] and item["overdue"] is False
    assert {"id", "title", "type", "district_code", "grid_code", "lon", "lat"} <= set(item)


def test_the_incident_list_pages_with_next_links(hub: RunningHub, publish: Publish) -> None:
    far_apart = [offset(BAISHA, 0, -3000 * n) for n in range(3)]
    publish(*[waterlogging(30, at=p, device=f"WL-02{n}") for n, p in enumerate(far_apart)])
    wait_incidents(hub, 3)
    first = hub.get("/api/incidents", limit=2).json()
    assert first["numberReturned"] == 2
    [following] = [link for link in first["links"] if link["rel"] == "next"]
    rest = hub.get(following["href"].removeprefix(hub.url)).json()
    assert rest["numberReturned"] == 1 and not [x for x in rest["links"] if x["rel"] == "next"]
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    every = first["items"] + rest["items"]
    for district in {i["district_code"] for i in every}:
        wanted = sorted(i["id"] for i in every if i["district_code"] == district)
        assert sorted(i["id"] for i in incidents(hub, district=district)) == wanted
    assert incidents(hub, district="440781") == []


def test_incidents_survive_a_hub_restart(hub: RunningHub, publish: Publish) -> None:
    publish(waterlogging(33, at=TAICHENG, device="WL-0300"))
    [found] = wait_incidents(hub, 1)
    engine = hub.hub.incidents
    from hub.incidents import open_incidents

    restarted = open_incidents(hub.hub.settings.store_url)  # a new engine on the same database
    try:
        assert restarted.store.get(found["id"]) is not None
        engine.close()
        hub.hub.incidents = restarted
        hub.hub.pipeline.sinks[hub.hub.pipeline.sinks.index(engine.sink)] = restarted.sink
        publish(complaint("台城这边水浸街了", offset(TAICHENG, 200)))
        wait_for(lambda: incidents(hub)[0]["member_count"] == 2, what="the complaint joining after the restart")
        assert len(incidents(hub)) == 1
    finally:
        hub.hub.incidents = restarted
