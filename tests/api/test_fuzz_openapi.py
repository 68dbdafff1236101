"""Schemathesis over the hub's own `/openapi.json`: every operation, with the operator token, on a real
hub (SQLite) holding a few events and incidents. Whatever the generated parameters, no answer is a 5xx
and every answer conforms to the response schema the document states (validation errors included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.generation.modes import GenerationMode

from hub.settings import Settings
from tests.api.conftest import OPERATOR
from tests.incidents.factory import BAISHA, offset, sighting, waterlogging
from tests.support import HTTP, RunningHub, running_hub

EXAMPLES = 20  # per operation (positive and negative): bounded, so the whole document takes a minute or two
AUTH = {"Authorization": f"Bearer {OPERATOR}"}


@pytest.fixture(scope="module")
def fuzzed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(data_dir=tmp, operator_token=OPERATOR, incident_check_s=0,
                        exchange_secret="fuzz-exchange-secret")  # configured, as 503 says a hub is not set up
    with running_hub(settings) as running:
        running.hub.incidents.absorb([waterlogging(), waterlogging(point=offset(BAISHA, 4000)),
                                      sighting("city.fire.alarm", {"panel_id": "P", "state": "fire"},
                                               alarms=["fire.alarm.active"], severity=3)])
        yield running


def operations(hub: RunningHub) -> list[schemathesis.APIOperation]:  # type: ignore[name-defined]
    schema = schemathesis.openapi.from_url(hub.url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(fuzzed_hub: RunningHub) -> None:
    failures: list[str] = []
    ops = operations(fuzzed_hub)
    assert len(ops) > 20
    for op in ops:
        both = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))

        @given(case=both)
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=fuzzed_hub.url, headers=AUTH,
                                   checks=[not_a_server_error, response_schema_conformance])

        try:
            run()
        except Exception as err:  # every operation's failure is collected, then all are reported together
            failures.append(f"{op.label}: {str(err)[:1500]}")
    assert not failures, "\n\n".join(failures)


BAD = [  # (path, query): each once answered 400 or 500, or passed unchecked
    ("/api/incidents", {"before": "-6979132671348907927456972800"}),
    ("/api/incidents/-52385584639885469076684800", {}),
    ("/api/incidents/99999999999999999999", {}),
    ("/api/incidents", {"state": "bogus"}),
    ("/api/events", {"since": "2026-01-01T00:00:00"}),  # no offset: refused, never read as local or UTC
    ("/api/events", {"since": "2026-02-30T00:00:00+08:00"}),  # the pattern's shape, no such day
    ("/api/events", {"bbox": "5,5,1,1"}),
    ("/api/events", {"before": "99999999999999999999"}),
    ("/api/stats", {"by": "colour"}),
    ("/api/analysis/trend", {"bucket": "week"}),
    ("/api/analysis/trend", {"since": "1970-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}),  # too many hours
    ("/api/geocode", {"q": "   "}),
    ("/api/geocode", {"q": "路" * 201}),
    ("/api/grid/locate", {"lon": "nan", "lat": "22.5"}),
    ("/api/grid/locate", {"lon": "113", "lat": "22", "crs": "utm"}),
    ("/api/map/registry", {"bbox": "1,2"}),
    ("/ogc/collections/events/items", {"datetime": "2026-01-01T00:00:00"}),
    ("/ogc/collections/events/items", {"offset": "-1"}),
    ("/api/evaluation/report", {"month": "0000-01"}),  # year 0: no such calendar month
]


@pytest.mark.parametrize(("path", "query"), BAD, ids=[f"{p}?{'&'.join(q)}" for p, q in BAD])
def test_a_bad_parameter_answers_422_in_one_shape(fuzzed_hub: RunningHub, path: str, query: dict[str, str]) -> None:
    answer = HTTP.get(fuzzed_hub.url + path, params=query, headers=AUTH)
    assert answer.status_code == 422, answer.text
    [error, *_] = answer.json()["detail"]
    assert error["loc"][0] in ("query", "path") and error["msg"] and error["type"]
