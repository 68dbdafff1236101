"""People over HTTP on a real hub: sign-in and sign-out, the failed sign-in limit, case steps allowed and refused
by role (403 with the rule), next_states narrowed to the role, the work queue, the shared alarm desk, the audit
log for admins."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
import websockets

from tests.api.conftest import OPERATOR
from tests.people.city import PASSWORD, PENGJIANG, PJ_CHENGGUAN, TAISHAN, City, sign_in
from tests.support import HTTP

pytestmark = pytest.mark.integration


def step(city: City, user: str, incident: int, to: str, note: str = "") -> Any:
    return city.post(f"/api/incidents/{incident}/transitions", user, {"to": to, "note": note})


def test_sign_in_gives_a_token_that_sign_out_revokes(city: City) -> None:
    answer = sign_in(city.hub.url, "ld")
    assert answer.status_code == 200 and answer.json()["token_type"] == "bearer"
    assert answer.json()["expires_in"] == 8 * 3600 and answer.json()["user"]["role"] == "leader"
    token = answer.json()["access_token"]
    me = HTTP.get(city.hub.url + "/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user"]["name"] == "ld" and me["signin_required"] is True
    out = HTTP.post(city.hub.url + "/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 200
    again = HTTP.get(city.hub.url + "/api/incidents", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401 and "sign in again" in again.json()["detail"]
    assert sign_in(city.hub.url, "ld", "not-the-password").status_code == 401


def test_failed_sign_ins_are_limited_and_audited(city: City) -> None:
    city.hub.hub.people.users.add("trial", "leader", PASSWORD)
    for _ in range(5):
        assert sign_in(city.hub.url, "trial", "guess-guess").status_code == 401
    locked = sign_in(city.hub.url, "trial")  # the right password, after five failures
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    audit = city.get("/api/audit", "gl", user="trial").json()["items"]
    assert [r["action"] for r in audit][:2] == ["signin.limited", "signin.failed"]
    assert len([r for r in audit if r["action"] == "signin.failed"]) == 5
    assert city.get("/api/audit", "zb").status_code == 403  # admins only


def test_each_step_is_taken_only_by_the_role_the_duties_name(city: City) -> None:
    flood = city.incidents[PENGJIANG]["id"]
    assert city.get(f"/api/incidents/{flood}", "pj").json()["next_states"] == ["registered", "verifying", "rejected"]
    assert city.get(f"/api/incidents/{flood}", "pj_cg").json()["next_states"] == []
    refused = step(city, "pj_cg", flood, "registered")
    assert refused.status_code == 403
    assert refused.json()["detail"]["rule"]["step"] == "reported>registered"
    assert "department" in refused.json()["detail"]["reason"]
    assert step(city, "ts", flood, "registered").status_code == 404  # another district's case is not there
    assert step(city, "ld", flood, "registered").status_code == 403  # a leader reads only
    assert step(city, "gl", flood, "registered").status_code == 403  # an admin takes no case action
    assert step(city, "pj", flood, "registered", "区分中心立案").status_code == 200
    assert step(city, "pj", flood, "dispatched", "派遣城管").status_code == 200
    assert step(city, "pj", flood, "in_progress").status_code == 403  # only the department handles
    assert step(city, "ts_fire", flood, "in_progress").status_code == 404  # … the assigned one
    assert step(city, "pj_cg", flood, "in_progress", "已到场").status_code == 200
    assert step(city, "pj_cg", flood, "verified", "已抽排").status_code == 200
    not_self = step(city, "pj_cg", flood, "closed")
    assert not_self.status_code == 403 and "not department" in not_self.json()["detail"]["reason"]
    assert step(city, "jd", flood, "closed", "监督员核查通过").status_code == 200
    assert step(city, "jd", flood, "dispatched").status_code == 409  # the flow itself: closed is final
    steps = city.get(f"/api/incidents/{flood}", "zb").json()["steps"]
    assert [s["who"] for s in steps[1:]] == ["pj", "pj", "pj_cg", "pj_cg", "jd"]
    audit = city.get("/api/audit", "gl", action="case.refused").json()["items"]
    assert {r["who"] for r in audit} >= {"pj_cg", "pj"}
    service = step(city, "nobody", flood, "registered")
    assert service.status_code == 401
    assert city.post(f"/api/incidents/{flood}/transitions", OPERATOR, {"to": "dispatched"}).status_code == 409


def test_the_department_queue_lists_its_cases_with_deadlines(city: City) -> None:
    fire = city.incidents[TAISHAN]["id"]
    assert city.get("/api/work", "ts_fire", state="todo").json()["items"] == []
    for to in ("registered", "dispatched"):
        assert step(city, "ts", fire, to).status_code == 200
    todo = city.get("/api/work", "ts_fire", state="todo").json()
    [case] = todo["items"]
    assert case["id"] == fire
    assert case["next_states"] == ["in_progress", "registered", "extension_requested", "park_requested"]
    assert case["due_at"] and case["seconds_left"] > 0 and todo["states"] == ["dispatched"]
    assert city.get("/api/work", "pj_cg", state="todo").json()["items"] == []  # another department's case
    assert [i["id"] for i in city.get("/api/work", "jd", state="doing").json()["items"]] == [fire]
    assert city.get("/api/work", "ts_fire", state="overdue").json()["items"] == []
    assert city.get("/api/work", "ts_fire", state="later").status_code == 422


def test_an_alarm_acknowledged_once_is_acknowledged_on_every_screen_in_its_area(city: City) -> None:
    url = city.hub.url.replace("http", "ws") + "/ws/live"
    event = city.events[PENGJIANG]

    async def watch(user: str) -> list[dict[str, Any]]:
        async with websockets.connect(url, subprotocols=[f"bearer.{city.tokens[user]}"]) as ws:  # type: ignore[list-item]
            assert orjson.loads(await ws.recv())["kind"] == "hello"
            opened.append(user)
            try:
                while True:
                    items = orjson.loads(await asyncio.wait_for(ws.recv(), 3)).get("items", [])
                    if any(i["kind"] == "ack" for i in items):
                        return [i for i in items if i["kind"] == "ack"]
            except TimeoutError:
                return []

    async def run() -> list[list[dict[str, Any]]]:
        screens = [asyncio.create_task(watch(u)) for u in ("zb", "pj", "ts")]
        while len(opened) < 3:
            await asyncio.sleep(0.05)
        done = await asyncio.to_thread(city.post, f"/api/alarms/{event}/ack", "pj", {"note": "已通知泵站"})
        assert done.status_code == 200 and done.json()["new"] is True
        return await asyncio.gather(*screens)

    opened: list[str] = []
    city_screen, district_screen, other_screen = asyncio.run(run())
    assert [a["by"] for a in city_screen] == ["pj"] and district_screen[0]["note"] == "已通知泵站"
    assert other_screen == []  # 台山's screen is not told of 蓬江's alarm
    again = city.post(f"/api/alarms/{event}/ack", "zb", {"note": "second"}).json()
    assert again["new"] is False and again["by"] == "pj"  # the first acknowledgement stands
    assert [a["uid"] for a in city.get("/api/alarms", "pj").json()["acks"]] == [event]
    assert city.get("/api/alarms", "ts").json()["acks"] == []
    assert city.post(f"/api/alarms/{city.events[TAISHAN]}/ack", "pj", {}).status_code == 404
    assert city.post(f"/api/alarms/{event}/ack", "ld", {}).status_code == 403
    assert city.post(f"/api/alarms/{event}/ack", "pj", {"note": "x" * 501}).status_code == 422
    audit = city.get("/api/audit", "gl", action="alarm.ack").json()["items"]
    assert [(r["who"], r["target"]) for r in audit] == [("pj", event)]


def test_reading_a_raw_original_is_audited(city: City) -> None:
    event = city.events[PENGJIANG]
    assert "raw" in city.get(f"/api/events/{event}", "pj_cg").json()
    rows = city.get("/api/audit", "gl", user="pj_cg", action="event.raw").json()["items"]
    assert rows and rows[0]["target"] == event
    assert city.hub.hub.people.audit.verify()[1] is None
    assert PJ_CHENGGUAN
