"""The health and forecast hooks find a source's system, bucket and device once per batch: a whole batch
leaves the same figures, device states and forecast history as the same events taken one at a time."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from bench.load import build_load
from hub.events import Event, HubBlock, Message
from hub.forecast import Forecaster, load_settings
from hub.health.cadences import load_cadences
from hub.health.devices import DeviceHealth, Seen
from hub.health.quality import SourceQuality
from hub.pipeline.decode import Limits, decode_batch
from hub.registry import load_registry

NOW = 1_800_000_000.0


@pytest.fixture(scope="module")
def events() -> list[Event]:
    load = build_load(800, seed=11)
    messages = [Message(payload, topic, "mqtt") for topic, _, payload in load.items]
    decoded, dead = decode_batch(messages, Limits())
    assert not dead
    strays = []  # devices the registry does not know, of known and of unknown systems
    for n, event in enumerate(decoded[:60]):
        ce = copy.deepcopy(event.ce)
        ce["source"] = ce["source"].rpartition("/")[0] + f"/NOT-REGISTERED-{n % 7}" if n % 2 else f"/x/y/z/{n % 5}"
        strays.append(Event(ce, Message(orjson.dumps(ce), event.message.topic, "mqtt"), epoch=event.epoch))
    every = decoded + strays + decoded[:200]  # repeats: the same reports again
    for event in every:
        event.hub = HubBlock("uid", event.message.received_at)
    return every


def quality_state(quality: SourceQuality) -> Any:
    return ({system: {minute: (b.received, b.fresh, b.reports, b.dead, b.conflicts, b.delays, dict(b.reasons))
                      for minute, b in buckets.items()} for system, buckets in quality.buckets.items()},
            quality.last_time)


def device_state(health: DeviceHealth) -> Any:
    assert all(isinstance(entry, Seen) for entry in health.seen.values())
    return ({device: (s.last_received, s.last_event, s.reports, s.latest, list(s.history))
             for device, s in health.seen.items()}, health.unknown)


def forecast_state(forecaster: Forecaster) -> Any:
    history = forecaster.history
    return (forecaster.latest, *({d: (s.times, s.values) for d, s in series.items()}
                                 for series in (history.values, history.rain, history.rain_since_last)),
            {area: [(w.sent, w.expires, w.rank) for w in warnings] for area, warnings in history.warnings.items()})


def test_a_batch_at_once_is_the_events_one_at_a_time(events: list[Event]) -> None:
    registry, cadences = load_registry(), load_cadences()
    together, alone = ((SourceQuality(registry, cadences, lambda: NOW), DeviceHealth(registry, cadences),
                        Forecaster(registry, load_settings())) for _ in range(2))
    quality, devices, forecaster = together
    quality.step(events)
    for hook in (devices.sink, quality.sink, forecaster.sink):
        hook(events, [])
    quality, devices, forecaster = alone
    for event in events:
        quality.step([event])
    for hook in (devices.sink, quality.sink, forecaster.sink):
        for event in events:
            hook([event], [])
    assert quality_state(together[0]) == quality_state(alone[0])
    assert device_state(together[1]) == device_state(alone[1])
    assert forecast_state(together[2]) == forecast_state(alone[2])
    assert together[1].unknown and together[1].seen and together[2].history.values
    assert sum(b.received for b in next(iter(together[0].buckets.values())).values()) > 0
