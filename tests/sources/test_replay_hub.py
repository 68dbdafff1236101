"""Scenarios replayed into a real hub (embedded MQTT broker, SQLite): their events show up at the places
they name, routed to the departments they name, and their incidents open — checked through the API;
a scenario's simulated staff work its cases to the indicators it expects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from simulators.replay import check, default_start, replay
from simulators.scenario import load
from simulators.staff import HttpDesk, working_staff
from tests.support import RunningHub, running_hub

pytestmark = pytest.mark.integration
OPERATOR = "operator-token-of-the-replay-test"
SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "simulators" / "scenarios").glob("*.yaml"))


@pytest.fixture
def hub_with_staff(embedded_broker: EmbeddedBroker, tmp_path: Path) -> Iterator[RunningHub]:
    """A hub on SQLite in tmp_path, subscribed to the embedded broker, with an operator token the
    simulated staff of a scenario work its cases with."""
    settings = Settings(data_dir=tmp_path, mqtt=embedded_broker.url, mqtt_v5=False,
                        mqtt_client_id=f"hub-{tmp_path.name}", operator_token=OPERATOR, incident_check_s=0)
    with running_hub(settings) as running:
        running.hub.ingests["mqtt"].connected.wait(10)
        yield running


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_events_appear_where_it_says(hub_with_staff: RunningHub, path: Path) -> None:
    scenario = load(path)
    start = default_start(scenario)
    # a scenario's simulated staff work its cases through the API until its indicators are met
    desk = HttpDesk(hub_with_staff.url, OPERATOR) if scenario.staff is not None else None
    with working_staff(desk, int((scenario.staff or {}).get("seed", 26)), 0.0, 0.2):
        publisher = MqttPublisher(hub_with_staff.hub.settings.mqtt or "", f"test-replay-{scenario.name}")
        try:
            counts = replay(scenario, publisher, seed=2021, start=start, speed=10_000)
        finally:
            publisher.close()
        assert counts["rejected"] == 0 and counts["events"] > 0
        outcomes = check(scenario, hub_with_staff.url, start, wait=60, token=OPERATOR if desk else None,
                         staffed=desk is not None)
    unmet = [o.line() for o in outcomes if not o.met]
    assert not unmet, "\n".join(unmet)
    # dispatch expectations need an operator token and the unit simulator (tests/command/test_dispatch_life.py);
    # forecast warnings a model fitted from stored history (tests/forecast/test_replay.py)
    skipped = [o.line() for o in outcomes if o.skipped and "dispatched to" not in o.what
               and "forecast warnings" not in o.what]
    assert not skipped, skipped
