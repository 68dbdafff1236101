"""Scenario expectations on the evaluation's indicators: parsed from the scenario file, judged
against what /api/evaluation answers (a named group, the total, a post's totals)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from simulators.indicator_check import check_indicators
from simulators.scenario import ScenarioError, parse

START = datetime(2026, 6, 1, tzinfo=UTC)
BODY = {
    "department": {"items": [{"group": "江海区城市管理和综合执法局", "due": 4, "closure_rate": 0.75, "grade": "B"},
                             {"group": "江门市公安局交通警察支队", "due": 2, "closure_rate": 0.0, "grade": "E"}],
                   "total": {"due": 6, "closure_rate": 0.5, "rework_rate": None, "grade": "D"}},
    "post": {"items": [{"post": "inspector", "group": "WGY-1", "reports": 2, "effective_report_rate": 0.5}],
             "totals": [{"post": "inspector", "group": "合计", "reports": 5, "effective_report_rate": 0.8},
                        {"post": "dispatcher", "group": "合计", "dispatches": 3, "accurate_dispatch_rate": 1.0}]},
}


def hub(request: httpx.Request) -> httpx.Response:
    assert request.url.params["from"] == START.isoformat()
    return httpx.Response(200, json=BODY[request.url.params["by"]])


def judged(exp: dict[str, Any], staffed: bool = True):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url="http://hub", transport=httpx.MockTransport(hub)) as http:
        return check_indicators(http, START, exp, staffed)


def test_a_group_the_total_and_a_posts_totals_are_judged() -> None:
    assert judged({"by": "department", "group": "江海区城市管理和综合执法局", "min": {"closure_rate": 0.7},
                   "grade": ["A", "B"]}).met
    worse = judged({"by": "department", "group": "江门市公安局交通警察支队", "min": {"closure_rate": 0.5}})
    assert not worse.met and "closure_rate 0.0 < 0.5" in worse.line()
    assert judged({"by": "department", "min": {"due": 6}, "max": {"closure_rate": 0.5}}).met
    missing = judged({"by": "department", "max": {"rework_rate": 0.2}})  # a rate the group does not have misses
    assert not missing.met and "rework_rate None" in missing.line()
    assert judged({"by": "post", "post": "inspector", "min": {"effective_report_rate": 0.8}}).met  # the totals
    person = judged({"by": "post", "post": "inspector", "group": "WGY-1", "min": {"effective_report_rate": 0.8}})
    assert not person.met
    nobody = judged({"by": "department", "group": "没有的部门", "min": {"due": 1}})
    assert not nobody.met and "no such group" in nobody.line()


def test_without_staff_they_are_skipped_saying_why() -> None:
    outcome = judged({"by": "department", "min": {"due": 1}}, staffed=False)
    assert outcome.met and outcome.line().startswith("skip") and "operator token" in outcome.line()


def scenario(indicator: dict[str, Any]) -> dict[str, Any]:
    return {"name": "t", "duration": "10m", "places": {"p": {"district": "440703"}},
            "steps": [{"source": "grid-patrol", "where": "p", "count": 1}], "staff": {"seed": 1},
            "expect": {"indicators": [indicator]}}


def test_a_post_is_named_with_by_post_and_only_then() -> None:
    parsed = parse(scenario({"by": "post", "post": "dispatcher", "min": {"accurate_dispatch_rate": 0.9}}))
    assert parsed.staff == {"seed": 1} and parsed.expect["indicators"][0]["post"] == "dispatcher"
    for wrong in ({"by": "post", "min": {"due": 1}}, {"by": "department", "post": "intake", "min": {"due": 1}}):
        with pytest.raises(ScenarioError, match="name a post"):
            parse(scenario(wrong))
