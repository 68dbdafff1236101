"""What every simulator is: a name, the adapter that reads it, and a stream of timed native messages.

Most simulators are a `Source`: a fleet of registry devices, each of which can `report` what it
measures at a time, in its system's native bytes, reading the `Environment` at its own place (so a
scenario's rainstorm or fire shows in every device around it). `stream` turns a source into the
background feed, with the failings of real fleets: a few devices never report (dropped out),
messages are lost, repeated, or arrive minutes late and out of order; analogue sensors drift.
"""

from __future__ import annotations

import heapq
import random
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from adapters.base import CHINA_TIME
from simulators.environment import Environment
from simulators.fleet import Device, devices_of

# (seconds after the start, native message bytes), in time order, forever
NativeStream = Iterator[tuple[float, bytes]]


@dataclass(frozen=True, slots=True)
class Faults:
    offline: float = 0.03  # share of devices that never report
    drop: float = 0.01  # messages lost
    late: float = 0.03  # messages delivered 20 s – 4 min late (so out of order)
    repeat: float = 0.02  # messages sent twice


RELIABLE = Faults(0, 0, 0, 0)


class Source:
    """A source system's fleet of devices and how one of them reports."""

    adapter: ClassVar[str]
    period: ClassVar[float] = 1.0  # a device reports at most this often (s): one reading per id-stamp

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.devices = devices_of(self.adapter)
        self.memory: dict[str, dict[str, Any]] = {d.device_id: {} for d in self.devices}
        self.drift = {d.device_id: rng.gauss(0, 1) for d in self.devices}  # per-device drift, units per day
        self.serial = rng.randrange(10000)  # where this system's message counter stands

    def report(self, device: Device, when: datetime, env: Environment, what: dict[str, Any]) -> bytes | None:
        """One native message of `device` at `when`; `what` is a scenario's say on its content."""
        raise NotImplementedError

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) % 10000
        return self.serial

    def drifted(self, device: Device, when: datetime, value: float, scale: float) -> float:
        """A reading with its sensor's slow drift: `scale` units per day since the start of 2021."""
        days = (when.timestamp() - 1609430400) / 86400 % 180
        return value + self.drift[device.device_id] * scale * days / 30


def stable(text: str) -> int:
    """A hash that is the same in every process (Python's own `hash` of text is salted)."""
    return zlib.crc32(text.encode())


def local(when: datetime) -> datetime:
    return when.astimezone(CHINA_TIME)


def stream(source: Source, start: datetime, rate: float, env: Environment | None = None,
           faults: Faults = Faults()) -> NativeStream:
    rng, env = source.rng, env or Environment()
    silent = {d.device_id for d in source.devices if rng.random() < faults.offline}
    reporting = [d for d in source.devices if d.device_id not in silent] or source.devices
    pending: list[tuple[float, int, bytes]] = []
    last: dict[str, float] = {}
    t, seq = 0.0, 0
    while True:
        t += rng.expovariate(rate)
        device = next((d for d in (rng.choice(reporting) for _ in range(4))
                       if last.get(d.device_id, -1e9) + source.period <= t), None)
        if device is None:  # the fleet is already reporting as often as its devices do
            continue
        last[device.device_id] = t
        raw = source.report(device, start + timedelta(seconds=t), env, {})
        roll = rng.random()
        if raw is not None and roll >= faults.drop:
            seq += 1
            late = roll < faults.drop + faults.late
            heapq.heappush(pending, (t + rng.uniform(20, 240) if late else t, seq, raw))
            if roll > 1 - faults.repeat:
                heapq.heappush(pending, (t + rng.uniform(1, 30), seq, raw))
        while pending and pending[0][0] <= t:
            when, _, message = heapq.heappop(pending)
            yield when, message


@dataclass(frozen=True, slots=True)
class Simulator:
    name: str
    adapter: str
    messages: Callable[[random.Random, datetime, float], NativeStream]  # (rng, start, events per second)
    summary: str = ""
    source: type[Source] | None = None  # the fleet behind it, for scenarios


def simulator(source: type[Source], summary: str, name: str | None = None) -> Simulator:
    def messages(rng: random.Random, start: datetime, rate: float) -> NativeStream:
        return stream(source(rng), start, rate)

    return Simulator(name or source.adapter, source.adapter, messages, summary, source)
