"""The case flow is defined once, in `hub/incidents/flow.py`: the incident JSON, the live item, `/api/meta`
and the map's bootstrap all carry what TRANSITIONS says, and every step the flow allows is one the server takes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.api.deps import viewer
from hub.api.mapview import meta
from hub.api.routes.meta import router
from hub.geo import load_city
from hub.incidents.flow import STATES, TRANSITIONS, check_transition, flow_map, next_states
from hub.incidents.model import Incident
from hub.incidents.views import detail, flow_view, live_item, summary
from tests.incidents.factory import T0


def incident_in(state: str) -> Incident:
    return Incident(7, "flood", "city.water.waterlogging", "积水", state, 3, 113.08, 22.59, None, "440703", "蓬江区",
                    None, None, "部门", 2.0, T0, T0, T0, T0, T0)


@pytest.mark.parametrize("state", STATES)
def test_every_incident_shape_carries_the_flows_next_steps_and_the_server_takes_each(state: str) -> None:
    assert next_states(state) == list(TRANSITIONS[state])
    incident = incident_in(state)
    for shape in (live_item(incident), summary(incident), detail(incident, [], [])):
        assert shape["next_states"] == list(TRANSITIONS[state])
    for step in next_states(state):
        check_transition(state, step)  # raises if the server would refuse what the screen offers


def test_the_flow_the_page_renders_is_transitions_with_a_name_for_every_state_and_step() -> None:
    view = flow_view()
    assert view["next"] == {s: list(TRANSITIONS[s]) for s in STATES} == flow_map()
    assert view["states"] == list(STATES) and set(view["open"]) | set(view["final"]) == set(STATES)
    assert all(view["names"][s]["zh"] and view["names"][s]["en"] for s in STATES)
    assert all(view["steps"][s][to]["zh"] for s in STATES for to in TRANSITIONS[s])
    assert view["steps"]["dispatched"]["registered"]["zh"] == "退回"  # a step back is named as one


def test_api_meta_and_the_bootstrap_serve_the_same_flow() -> None:
    city = load_city()
    app = FastAPI()
    app.state.hub = SimpleNamespace(geo=city)
    app.dependency_overrides[viewer] = lambda: "viewer"  # who may read is tests/security's; this is what is read
    app.include_router(router)
    served = TestClient(app).get("/api/meta").json()
    assert served["flow"] == flow_view() == meta(city)["flow"]
    assert set(served["domains"]) and served["districts"]["440703"] == "蓬江区"
