"""Viewer and operator roles over HTTP (hub/api/deps.py) on a real hub: no default secret, no role borrowing."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import OPERATOR, VIEWER, HubFactory

pytestmark = pytest.mark.integration
GUESSES = ["", "demo", "admin", "operator", "changeme", "cityhub", "null", "None", "secret", "123456"]
MOVE = {"to": "registered", "note": "立案"}


def transition(url: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}".strip()} if token is not None else {}
    return httpx.post(url + "/api/incidents/1/transitions", json=MOVE, headers=headers)


@pytest.mark.parametrize("configured", [None, ""])
def test_with_no_operator_token_configured_nobody_may_act(web_hub: HubFactory, configured: str | None) -> None:
    with web_hub(operator_token=configured, viewer_token=VIEWER) as hub:
        for token in [None, VIEWER, *GUESSES]:
            answer = transition(hub.url, token)
            assert answer.status_code == 503, (token, answer.status_code, answer.text)
            assert "no operator token configured" in answer.text


def test_only_the_operator_token_may_act(web_hub: HubFactory) -> None:
    with web_hub(operator_token=OPERATOR, viewer_token=VIEWER) as hub:
        assert transition(hub.url, None).status_code == 401
        assert transition(hub.url, VIEWER).status_code == 403
        for guess in GUESSES[1:]:
            assert transition(hub.url, guess).status_code == 403, guess
        assert transition(hub.url, OPERATOR.upper()).status_code == 403
        assert transition(hub.url, OPERATOR).status_code not in (401, 403, 503)  # past the gate: 404, no incident


def test_reads_need_a_token_once_a_viewer_token_is_configured(web_hub: HubFactory) -> None:
    with web_hub(operator_token=OPERATOR, viewer_token=VIEWER) as hub:
        for path in ("/api/events", "/api/deadletters", "/api/stats", "/api/incidents"):
            assert httpx.get(hub.url + path).status_code == 401, path
            assert httpx.get(hub.url + path, headers={"Authorization": "Bearer guess"}).status_code == 403, path
            for token in (VIEWER, OPERATOR):
                assert httpx.get(hub.url + path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(hub.url + "/healthz").status_code == 200  # for the orchestrator's probes


def test_reads_are_open_without_a_viewer_token(web_hub: HubFactory) -> None:
    with web_hub() as hub:
        assert httpx.get(hub.url + "/api/events").status_code == 200
