"""One seed, one byte stream: every simulator and every scenario replay is deterministic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path

import pytest

from simulators.registry import SIMULATORS
from simulators.runner import merged
from simulators.scenario import load

START = datetime(2021, 7, 1, 10, 30, tzinfo=UTC)
SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "simulators" / "scenarios").glob("*.yaml"))


def first(name: str, seed: int, count: int = 40) -> list[tuple[float, bytes]]:
    return list(islice(SIMULATORS[name].messages(random.Random(seed), START, 5.0), count))


@pytest.mark.parametrize("name", sorted(SIMULATORS))
def test_same_seed_same_bytes(name: str) -> None:
    assert first(name, 7) == first(name, 7)
    assert first(name, 7) != first(name, 8)


def test_all_simulators_merged_are_deterministic() -> None:
    def run(seed: int) -> list[tuple[float, str, bytes]]:
        return list(islice(merged(list(SIMULATORS.values()), seed, START, 200), 600))

    one = run(3)
    assert one == run(3) and one != run(4)
    assert [t for t, _, _ in one] == sorted(t for t, _, _ in one), "the merged stream is out of time order"
    assert {name for _, name, _ in one} == set(SIMULATORS)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_replay_same_seed_same_bytes(path: Path) -> None:
    scenario = load(path)
    timeline = scenario.messages(11, START)
    assert timeline, f"{path.name} makes no messages"
    assert timeline == load(path).messages(11, START)
    assert timeline != scenario.messages(12, START)
    assert all(0 <= t <= scenario.duration + 300 for t, _, _ in timeline)
    assert timeline != scenario.messages(11, START + timedelta(hours=1)), "the start does not reach the bytes"
