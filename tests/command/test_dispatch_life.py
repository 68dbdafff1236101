"""The dispatch life cycle end to end: a real hub, a real broker, the unit simulator as its own process.

A fire alarm opens an incident; the operator dispatches the first recommended engine; the simulated
engine reads the order, drives the road route reporting JT/T 808 positions, arrives (a step in the
incident's history), works, drives home and is available again.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import OPERATOR, TAICHENG, db, fire_alarm, hub, pg_api_db, post, publish, wait_incidents  # noqa: F401
from tests.support import RunningHub, wait_for

SPEEDUP = 5.0  # slow enough that polling and reporting (about a second each) stay small against the ETA
WORK_S = 15  # unit-clock seconds on scene: three wall seconds at SPEEDUP, a few reports on scene before the return
# The life cycle is the desk's, the broker's and the simulator's; both stores are held to dispatching (committed
# units, no unit sent twice) by tests/command/test_recommend.py, so these minute-long runs take SQLite only.
pytestmark = pytest.mark.parametrize("db", ["sqlite"], indirect=True)


@pytest.fixture
def units(hub: RunningHub) -> Iterator[subprocess.Popen[bytes]]:  # noqa: F811
    proc = subprocess.Popen([sys.executable, "-m", "simulators.command_units", "--hub", hub.url,
                             "--mqtt", hub.hub.settings.mqtt or "", "--speedup", str(SPEEDUP), "--every", "1",
                             "--idle-every", "5", "--work-s", str(WORK_S), "--duration", "300"])
    yield proc
    proc.terminate()
    proc.wait(10)


def dispatch_of(hub: RunningHub, incident_id: int) -> dict[str, Any]:  # noqa: F811
    return dict(hub.get(f"/api/incidents/{incident_id}/dispatches").json()["items"][0])


def test_dispatched_engine_drives_arrives_works_and_returns(hub: RunningHub, publish, units) -> None:  # noqa: F811
    publish(fire_alarm("fire"))
    incident = wait_incidents(hub, 1)[0]
    rec = hub.get(f"/api/incidents/{incident['id']}/recommendations").json()
    engine = next(c for c in rec["capabilities"] if c["capability"] == "engine")["units"][0]
    path = f"/api/incidents/{incident['id']}/dispatches"
    assert post(hub, path, {"unit": engine["unit"]}, token=None).status_code == 401
    assert post(hub, path, {"unit": "no-such-unit"}).status_code == 422
    sent = post(hub, f"/api/incidents/{incident['id']}/dispatches", {"unit": engine["unit"], "note": "出动"})
    assert sent.status_code == 201, sent.text
    again = post(hub, f"/api/incidents/{incident['id']}/dispatches", {"unit": engine["unit"]})
    assert again.status_code == 409
    board = hub.hub.command.board
    seen: set[tuple[float, float]] = set()

    def moved_and_arrived() -> bool:
        state = board.get(engine["unit"])
        if state.status == "en-route":
            seen.add((state.lon, state.lat))
        return dispatch_of(hub, incident["id"])["status"] in ("on-scene", "returning", "done")

    wait_for(moved_and_arrived, timeout=120, every=0.2, what="the engine on scene")
    row = dispatch_of(hub, incident["id"])
    assert row["arrived_at"] is not None and len(seen) >= 2  # it moved: positions en route
    steps = hub.get(f"/api/incidents/{incident['id']}").json()["steps"]
    assert [s["action"] for s in steps if s["action"] in ("dispatch", "arrive")] == ["dispatch", "arrive"]
    wait_for(lambda: dispatch_of(hub, incident["id"])["status"] == "done", timeout=150, every=0.5,
             what="the engine back home")
    assert board.get(engine["unit"]).status == "available"
    home = hub.hub.command.registry.home_of(hub.hub.command.registry.units[engine["unit"]])
    state = board.get(engine["unit"])
    assert abs(state.lon - home.lon) < 0.005 and abs(state.lat - home.lat) < 0.005
    assert units.poll() is None  # the simulator is still running
    assert TAICHENG


def test_scenario_dispatch_expectation_is_met_by_the_simulated_unit(hub: RunningHub, publish, units) -> None:  # noqa: F811
    import httpx

    from simulators.command_check import Dispatcher
    from simulators.scenario_places import resolve

    publish(fire_alarm("fire"))
    wait_incidents(hub, 1)
    place = resolve("scene", {"lon": TAICHENG[0], "lat": TAICHENG[1], "radius_m": 500})
    expectation = {"group": "fire", "place": place, "capability": "engine", "eta_factor": 1.5}
    dispatcher = Dispatcher(OPERATOR, SPEEDUP)
    with httpx.Client(base_url=hub.url, timeout=10) as http:
        assert not dispatcher.outcome(http, 0, expectation).met  # sent, not yet there
        wait_for(lambda: dispatcher.outcome(http, 0, expectation).met, timeout=120, every=0.5,
                 what="the dispatched engine on scene within its ETA × 1.5")
        assert len(dispatcher.sent) == 1  # dispatched once, however often it is checked
    assert Dispatcher(None, 1.0).outcome(httpx.Client(base_url=hub.url), 0, expectation).skipped
