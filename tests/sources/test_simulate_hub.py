"""`cityhub simulate all` into a real hub (embedded MQTT broker, SQLite): events of every domain and every
event type of the plan are stored, on the map, in a district."""

from __future__ import annotations

import json

import pytest

from hub import schemas
from hub.cli import main
from tests.support import RunningHub, wait_for

pytestmark = pytest.mark.integration
DOMAINS = {"weather", "grid", "emergency", "fire", "water", "env", "iot", "construction", "vehicle", "parking",
           "traffic", "hotline", "video"}


def test_simulate_all_stores_every_domain_and_type(hub_on_embedded: RunningHub,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = hub_on_embedded.hub.settings.mqtt or ""
    assert main(["simulate", "all", "--rate", "200", "--duration", "12", "--seed", "5", "--mqtt", url]) == 0
    counts = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert counts["rejected"] == 0 and counts["events"] > 1000

    def settled() -> bool:
        totals = hub_on_embedded.get("/healthz").json()["totals"]
        return totals["stored"] + totals["duplicates"] + totals["dead"] >= counts["events"]

    wait_for(settled, timeout=60, what="every published event stored, deduplicated or dead-lettered")
    by_type = {row["key"]: row["count"] for row in hub_on_embedded.get("/api/stats", by="type").json()["counts"]}
    missing = set(schemas.event_types()) - set(by_type)
    assert not missing, f"types never stored: {missing}"
    by_domain = {row["key"] for row in hub_on_embedded.get("/api/stats", by="domain").json()["counts"]}
    assert by_domain >= DOMAINS
    dead = hub_on_embedded.get("/healthz").json()["totals"]["dead"]
    assert dead <= counts["events"] * 0.01, hub_on_embedded.get("/api/deadletters", limit=5).json()
    page = hub_on_embedded.get("/api/events", limit=200).json()
    assert all(f["properties"]["hub"]["district_code"] for f in page["features"])
