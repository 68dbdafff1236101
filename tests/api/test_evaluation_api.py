"""GET /api/evaluation through a real hub (embedded MQTT broker; SQLite and PostgreSQL): a case worked
over HTTP by posts shows up in the department, district and post rankings; bad parameters get 422."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import post, wait_incidents, waterlogging
from tests.support import RunningHub

pytestmark = pytest.mark.integration
REDISPATCHED = "江门市公安局交通警察支队"
PERIOD = {"from": "2026-01-01", "to": "2026-12-31T23:59:59+08:00"}


def test_a_worked_case_is_evaluated(hub: RunningHub, publish: Callable[..., None]) -> None:
    publish(waterlogging(27))
    [case] = wait_incidents(hub, 1)
    path = f"/api/incidents/{case['id']}/transitions"
    for body in ({"step": "register", "post": "intake", "by": "李"},
                 {"step": "dispatch", "post": "dispatcher", "by": "王"},
                 {"step": "return", "post": "department", "note": "不属本部门职责"}):
        answer = post(hub, path, body)
        assert answer.status_code == 200, answer.text
    choices = hub.get(f"/api/incidents/{case['id']}/departments").json()
    assert choices["department"] == "蓬江区城市管理和综合执法局" and REDISPATCHED in choices["departments"]
    wrong = post(hub, path, {"step": "dispatch", "post": "dispatcher", "department": "不存在的部门"})
    assert wrong.status_code == 422 and "not responsible" in str(wrong.json()["detail"])
    for body in ({"step": "dispatch", "post": "dispatcher", "by": "梁", "department": REDISPATCHED},
                 {"step": "accept", "post": "department"},
                 {"step": "finish", "post": "department", "note": "已排水", "attachments": ["P-1", "P-2"]}):
        answer = post(hub, path, body)
        assert answer.status_code == 200, answer.text
    refused = post(hub, path, {"step": "close", "post": "department"})
    assert refused.status_code == 409 and "may not close" in refused.json()["detail"]
    assert post(hub, path, {"step": "close", "post": "chef"}).status_code == 422
    assert post(hub, path, {"step": "close", "post": "inspector", "by": "陈"}).status_code == 200

    ranking = hub.get("/api/evaluation", by="department", **PERIOD).json()
    [row] = ranking["items"]
    assert row["group"] == REDISPATCHED and row["rank"] == 1  # the case moved with its re-dispatch
    counts = ("due", "closed", "handled_on_time", "closed_on_time", "reworked")
    assert [row[k] for k in counts] == [1, 1, 1, 1, 0]
    assert row["score"] == 100.0 and row["grade"] == "A" and ranking["total"]["due"] == 1
    assert [r["group"] for r in hub.get("/api/evaluation", by="district", **PERIOD).json()["items"]] == ["440703"]
    posts = {(r["post"], r["group"]): r for r in hub.get("/api/evaluation", by="post", **PERIOD).json()["items"]}
    assert posts[("dispatcher", "operator:王")]["accurate_dispatch_rate"] == 0.0  # the return counts against 王
    assert posts[("dispatcher", "operator:梁")]["accurate_dispatch_rate"] == 1.0
    assert posts[("inspector", "operator:陈")]["checks"] == 1
    assert hub.get("/api/evaluation", by="department", **{"from": "2026-01-01", "to": "2026-01-02"}).json()[
        "items"] == []


@pytest.mark.parametrize("params", [
    {"by": "street"}, {"from": "yesterday"}, {"from": "2026-05-01T00:00:00"},
    {"from": "2026-05-02", "to": "2026-05-01"},
])
def test_bad_parameters_get_422(hub: RunningHub, params: dict[str, str]) -> None:
    assert hub.get("/api/evaluation", **params).status_code == 422
