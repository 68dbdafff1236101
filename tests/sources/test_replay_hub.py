"""Scenarios replayed into a real hub (embedded MQTT broker, SQLite): their events show up at the places
they name, routed to the departments they name, and their incidents open — checked through the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.transports.mqtt.publisher import MqttPublisher
from simulators.replay import check, default_start, replay
from simulators.scenario import load
from tests.support import RunningHub

pytestmark = pytest.mark.integration
SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "simulators" / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_events_appear_where_it_says(hub_on_embedded: RunningHub, path: Path) -> None:
    scenario = load(path)
    start = default_start(scenario)
    publisher = MqttPublisher(hub_on_embedded.hub.settings.mqtt or "", f"test-replay-{scenario.name}")
    try:
        counts = replay(scenario, publisher, seed=2021, start=start, speed=10_000)
    finally:
        publisher.close()
    assert counts["rejected"] == 0 and counts["events"] > 0
    outcomes = check(scenario, hub_on_embedded.url, start, wait=60)
    unmet = [o.line() for o in outcomes if not o.met]
    assert not unmet, "\n".join(unmet)
    # dispatch expectations need an operator token and the unit simulator (tests/command/test_dispatch_life.py);
    # forecast warnings a model fitted from stored history (tests/forecast/test_replay.py)
    skipped = [o.line() for o in outcomes if o.skipped and "dispatched to" not in o.what
               and "forecast warnings" not in o.what]
    assert not skipped, skipped
