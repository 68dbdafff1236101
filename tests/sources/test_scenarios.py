"""Scenario files: every one loads, names real places and sources, and is documented; broken ones are
refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.scenario import ScenarioError, load, parse, seconds

FOLDER = Path(__file__).resolve().parents[2] / "simulators" / "scenarios"
SCENARIOS = sorted(FOLDER.glob("*.yaml"))


def test_there_are_the_five_incidents_of_the_plan() -> None:
    names = {p.stem for p in SCENARIOS}
    assert len(names) >= 5
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert name in readme, f"{name} is not described in simulators/scenarios/README.md"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_loads_with_expectations(path: Path) -> None:
    scenario = load(path)
    assert scenario.name == path.stem
    assert scenario.expect["events"] and scenario.expect["incidents"]
    for step in scenario.steps:
        assert 0 <= step.start <= step.end <= scenario.duration


@pytest.mark.parametrize(("text", "value"), [("90s", 90), ("5m", 300), ("1h30m", 5400), (45, 45), ("2.5m", 150)])
def test_durations(text: object, value: float) -> None:
    assert seconds(text) == value


def minimal(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = {"name": "t", "duration": "10m", "places": {"p": {"district": "440703"}},
                              "steps": [{"source": "water-sl651", "where": "p", "every": "5m"}]}
    return doc | changes


@pytest.mark.parametrize(("doc", "reason"), [
    (minimal(steps=[{"source": "no-such", "where": "p"}]), "unknown source"),
    (minimal(steps=[{"source": "water-sl651", "where": "nowhere"}]), "no place named"),
    (minimal(steps=[{"source": "water-sl651", "where": "p", "at": "20m"}]), "within"),
    (minimal(places={"p": {"address": "火星路1号"}}), "not a standard address"),
    (minimal(places={"p": {"lon": 116.4, "lat": 39.9}}), "outside Jiangmen"),
    (minimal(duration="soon"), "duration"),
])
def test_broken_scenarios_are_refused_with_a_reason(doc: dict[str, object], reason: str) -> None:
    with pytest.raises(ScenarioError, match=reason):
        parse(doc)


def test_the_file_format_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nduration: 5m\nsteps: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml"):
        load(path)
