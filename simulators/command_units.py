"""Emergency units (fire engines, ambulances, pump trucks …) with JT/T 808 terminals, acting on dispatches.

``python -m simulators.command_units --hub URL --mqtt URL``. Each unit of the resource registry
(``maps/data/units.csv``) waits at its home site and reports its position now and then (task
``available``). The simulator reads the hub's open dispatches (``GET /api/dispatches``), as a unit's
crew reads the order on its terminal; a unit sent out drives the fastest road route to the scene at
road speeds (``hub/command/roads.py``), reporting every ``--every`` seconds (task ``en-route``,
extra items 0xE1/0xE2), works on scene for ``--work-s``, drives home (``returning``) and is
``available`` again. A recall on the feed (status ``recalling``) of the task a unit is on turns it
home at once (``returning``); a unit on its way home takes a new order. ``--speedup`` runs the
unit's clock faster than the wall clock (tests, demos); reports are stamped with the wall clock.
Frames go through the ``vehicle-jt808`` adapter onto the broker, as the construction trucks' do
(``simulators/vehicle.py``).
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.vehicle_jt808 import ADAPTER, TASKS
from hub.command.resources import Registry, Unit, city_registry
from hub.command.roads import RoadGraph, city_roads
from hub.transports.mqtt.publisher import MqttPublisher
from simulators.base import local
from simulators.wire import jt808_frame, jt808_position

log = logging.getLogger(__name__)
TASK_CODE = {name: code for code, name in TASKS.items()}


@dataclass
class Crew:
    unit: Unit
    home: tuple[float, float]
    task: str = "available"
    incident_id: int | None = None
    path: list[tuple[float, float, float]] = field(default_factory=list)  # lon, lat, unit-seconds from start
    started: float = 0.0  # unit clock when the leg or the work began
    last_report: float = -1e9  # wall clock
    serial: int = 0
    last_second: int = -1  # one report per terminal and second: the adapter's event id is terminal + second
    taken: set[int] = field(default_factory=set)  # dispatch ids already acted on

    def where(self, clock: float) -> tuple[float, float, float, float]:
        """(lon, lat, speed km/h, heading) at unit-clock `clock` along the current leg (or at rest)."""
        if not self.path:
            return self.home[0], self.home[1], 0.0, 0.0
        t = clock - self.started
        for (x0, y0, t0), (x1, y1, t1) in zip(self.path, self.path[1:], strict=False):
            if t0 <= t < t1:
                f = (t - t0) / (t1 - t0)
                km = math.hypot((x1 - x0) * 102.85, (y1 - y0) * 110.75)
                heading = math.degrees(math.atan2((x1 - x0) * 102.85, (y1 - y0) * 110.75)) % 360
                return x0 + f * (x1 - x0), y0 + f * (y1 - y0), km / ((t1 - t0) / 3600), heading
        x, y, _ = self.path[-1]
        return x, y, 0.0, 0.0

    def arrived(self, clock: float) -> bool:
        return bool(self.path) and clock - self.started >= self.path[-1][2]


class Units:
    def __init__(self, registry: Registry, roads: RoadGraph, *, work_s: float, idle_every: float) -> None:
        self.roads, self.work_s, self.idle_every = roads, work_s, idle_every
        self.crews = {u.terminal: Crew(u, (registry.home_of(u).lon, registry.home_of(u).lat))
                      for u in registry.units.values()}

    def orders(self, dispatches: list[dict[str, Any]], clock: float) -> None:
        for d in dispatches:
            crew = self.crews.get(str(d.get("terminal")))
            if crew is None:
                continue
            if d.get("status") == "recalling":
                if crew.incident_id == int(d["incident_id"]) and crew.task in ("en-route", "on-scene"):
                    self.head_home(crew, clock, recalled=True)
                crew.taken.add(int(d["id"]))  # a recall of an order never taken up: never take it
                continue
            if crew.task not in ("available", "returning") or d.get("lon") is None or int(d["id"]) in crew.taken:
                continue
            crew.taken.add(int(d["id"]))
            here = crew.where(clock)[:2]
            crew.path = self.roads.timed_path(here, (float(d["lon"]), float(d["lat"])))
            crew.task, crew.incident_id, crew.started, crew.last_report = "en-route", int(d["incident_id"]), clock, -1e9

    def head_home(self, crew: Crew, clock: float, recalled: bool = False) -> None:
        """Drive home; a recalled crew no longer reports the incident (it has no task there)."""
        here = crew.where(clock)[:2]
        crew.path = self.roads.timed_path(here, crew.home)
        crew.task, crew.started, crew.last_report = "returning", clock, -1e9
        if recalled:
            crew.incident_id = None

    def step(self, clock: float, wall: float, every: float) -> list[tuple[Crew, tuple[float, float, float, float]]]:
        """Advance every crew; those due a report, with where they are."""
        due = []
        for crew in self.crews.values():
            if crew.task == "en-route" and crew.arrived(clock):
                x, y, _ = crew.path[-1]
                crew.task, crew.started, crew.path, crew.last_report = "on-scene", clock, [(x, y, 0.0)], -1e9
            elif crew.task == "on-scene" and clock - crew.started >= self.work_s:
                self.head_home(crew, clock)
            elif crew.task == "returning" and crew.arrived(clock):
                crew.task, crew.incident_id, crew.path, crew.last_report = "available", None, [], -1e9
            period = self.idle_every if crew.task == "available" else every
            if wall - crew.last_report >= period and int(wall) != crew.last_second:
                crew.last_report, crew.last_second = wall, int(wall)
                due.append((crew, crew.where(clock)))
        return due


def frame(crew: Crew, spot: tuple[float, float, float, float], when: datetime) -> bytes:
    lon, lat, speed, heading = spot
    body = jt808_position(0, 0b11, lon, lat, 10, min(speed, 200.0), int(heading), local(when), 0.0)
    body += bytes((0xE1, 1, TASK_CODE[crew.task]))
    if crew.incident_id is not None:
        body += bytes((0xE2, 4)) + crew.incident_id.to_bytes(4, "big")
    crew.serial = (crew.serial + 1) % 10000
    return jt808_frame(0x0200, crew.unit.terminal, crew.serial, body)


def run(hub_url: str, mqtt_url: str, *, speedup: float, every: float, work_s: float, idle_every: float,
        duration: float, token: str | None) -> int:
    units = Units(city_registry(), city_roads(), work_s=work_s, idle_every=idle_every)
    publisher = MqttPublisher(mqtt_url, f"command-units-{int(time.time())}")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    began = time.monotonic()
    sent = 0
    with httpx.Client(base_url=hub_url, headers=headers, timeout=5) as http:
        while duration <= 0 or time.monotonic() - began < duration:
            clock = (time.monotonic() - began) * speedup
            try:
                units.orders(http.get("/api/dispatches").json()["items"], clock)
            except (httpx.HTTPError, ValueError, KeyError) as err:
                log.warning("cannot read the dispatches: %s", err)
            wall = time.time()
            when = datetime.fromtimestamp(math.floor(wall), UTC)
            for crew, spot in units.step(clock, wall, every):
                publisher.publish(ADAPTER.topic, ADAPTER.adapt(frame(crew, spot, when)))
                sent += 1
            publisher.flush()
            time.sleep(max(0.0, every - (time.monotonic() - began) % every))
    publisher.close()
    return sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulators.command_units", description=__doc__)
    parser.add_argument("--hub", required=True, help="the hub's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--mqtt", required=True, help="the broker, e.g. mqtt://127.0.0.1:1883")
    parser.add_argument("--token", help="a viewer token, when the hub needs one")
    parser.add_argument("--speedup", type=float, default=1.0, help="unit clock over wall clock")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between reports of a unit at work")
    parser.add_argument("--idle-every", type=float, default=60.0, help="seconds between reports of a unit at home")
    parser.add_argument("--work-s", type=float, default=1200.0, help="unit-clock seconds on scene")
    parser.add_argument("--duration", type=float, default=0.0, help="stop after this many seconds (0: never)")
    args = parser.parse_args(argv)
    if args.speedup <= 0 or args.every < 1.0:
        parser.error("--speedup must be positive and --every at least 1 s (one report per second per terminal)")
    logging.basicConfig(level=logging.WARNING)
    run(args.hub, args.mqtt, speedup=args.speedup, every=args.every, work_s=args.work_s,
        idle_every=args.idle_every, duration=args.duration, token=args.token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
