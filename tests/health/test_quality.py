"""Quality figures of a source with known drops, delays, repeats and rejects, on a clock the test moves;
and the alarm to the operators while the source is below the levels, closed when it recovers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from adapters.base import cloudevent
from hub.events import DeadLetter, Event, HubBlock, Message
from hub.health.alarms import Alarms
from hub.health.cadences import load_cadences
from hub.health.levels import QualityAlarms, load_levels, shortfalls
from hub.health.quality import SourceQuality, duration_s, percentile
from hub.incidents import open_incidents
from hub.registry import DeviceRegistry

T0 = 1_779_999_960.0  # on a minute, in 2026: within the holiday calendar the case clocks read
DEVICES = [{"device_id": f"58230{i}", "kind": "waterlogging-sensor", "adapter": "water-waterlogging"}
           for i in range(4)]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def reading(device: str, at: float, received: float) -> Event:
    when = datetime.fromtimestamp(at, UTC)
    ce = cloudevent(f"/jiangmen/water/waterlogging/{device}", "city.water.waterlogging", f"{device}-{at:.0f}", when,
                    {"sensor_id": device, "depth_cm": 1.0, "level": "dry"})
    message = Message(orjson.dumps(ce), "city/water/waterlogging", "mqtt", received_at=received)
    return Event(ce, message, HubBlock("uid", received), epoch=at)


def rejected(reason: str, received: float) -> DeadLetter:
    return DeadLetter(b"{}", reason, "mqtt", "city/water/waterlogging", None, None, received)


def feed(quality: SourceQuality, clock: Clock, minutes: int, drop_every: int, late_every: int) -> None:
    """Four devices due every minute; every `drop_every`-th report lost, every `late_every`-th 200 s late."""
    n = 0
    for minute in range(minutes):
        clock.now = T0 + 60 * minute + 30
        batch = []
        for device in DEVICES:
            n += 1
            if n % drop_every == 0:
                continue
            delay = 200.0 if n % late_every == 0 else 5.0
            batch.append(reading(device["device_id"], clock.now - delay, clock.now))
        quality.step(batch + batch[:1])  # one redelivery a minute, which dedup drops before the sink
        quality.sink(batch, [rejected("schema: data.depth_cm is not a number 7", clock.now)] if minute % 5 == 0
                     else [])


def test_figures_of_a_source_with_known_drops_and_delays() -> None:
    clock = Clock()
    quality = SourceQuality(DeviceRegistry(DEVICES), load_cadences(), clock)  # waterlogging: every 300 s
    quality.expected_per_s["water-waterlogging"] = 4 / 60  # as if due every minute
    feed(quality, clock, minutes=10, drop_every=10, late_every=6)
    clock.now = T0 + 600
    figures = quality.figures("water-waterlogging", 600)
    assert figures["expected_reports"] == 40 and figures["reports"] == 36
    assert figures["completeness"] == 0.9
    assert figures["events"] == 36 and figures["duplicates"] == 10 and figures["duplicate_share"] == round(10 / 46, 4)
    assert figures["dead_letters"] == 2 and figures["validity"] == round(1 - 2 / 48, 4)
    assert figures["dead_reasons"] == {"schema: data.depth_cm is not a number 7": 2}
    late = sum(1 for n in range(1, 41) if n % 10 and n % 6 == 0)  # 5 of the 36 delivered
    assert late == 5
    assert 2 < figures["timeliness"]["p50_s"] <= 5  # 31 at 5 s
    assert 120 < figures["timeliness"]["p95_s"] <= 300  # the slowest 5 (above the 95th rank, 34.2) at 200 s
    assert quality.figures("water-waterlogging", 120)["reports"] == 7  # the last two minutes only


def test_percentiles_and_durations() -> None:
    counts = [0] * 16
    counts[3] = 100  # all in (2, 5] s
    assert 2 < (percentile(counts, 0.5) or 0) <= 5 and percentile([0] * 16, 0.5) is None
    assert duration_s("15m") == 900 and duration_s("1h") == 3600 and duration_s("90") == 90
    for bad in ("", "x", "-5m", "infh"):
        try:
            duration_s(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted")


def test_a_source_below_the_levels_raises_one_alarm_to_operators_until_it_recovers(tmp_path: Path) -> None:
    clock = Clock()
    incidents = open_incidents(f"sqlite:///{tmp_path / 'hub.sqlite'}", clock=clock)
    quality = SourceQuality(DeviceRegistry(DEVICES), load_cadences(), clock)
    quality.expected_per_s["water-waterlogging"] = 4 / 60
    levels = load_levels()
    watch = QualityAlarms(quality, levels, Alarms(incidents, clock))
    feed(quality, clock, minutes=30, drop_every=3, late_every=1000)  # a third lost
    below = watch.check(clock.now)
    assert list(below) == ["water-waterlogging"] and below["water-waterlogging"][0].startswith("完整率 ")
    assert below["water-waterlogging"] == shortfalls(quality.figures("water-waterlogging", levels.window_s, clock.now),
                                                     levels)
    assert watch.check(clock.now + 1)  # still below: the same alarm, not a second
    (alarm,) = incidents.store.open_incidents(0, {"source-quality"})
    assert alarm.department == levels.operators and alarm.title.endswith("water-waterlogging")
    clock.now += duration_s("2h")  # the bad hour is out of the window; a good hour follows
    start = clock.now
    for minute in range(60):
        clock.now = start + 60 * minute
        batch = [reading(d["device_id"], clock.now - 5, clock.now) for d in DEVICES]
        quality.step(batch)
        quality.sink(batch, [])
    assert watch.check(clock.now) == {}
    assert incidents.store.open_incidents(0, {"source-quality"}) == []
    assert incidents.store.get(alarm.id or 0).state == "closed"  # type: ignore[union-attr]
    incidents.close()
