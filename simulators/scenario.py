"""Scenario files (simulators/scenarios/*.yaml, format in simulators/scenarios/README.md): places, what
happens there (effects on the simulated city), which sources report from where and how often
(steps), and what the hub should then show (expectations). `Scenario.messages` compiles a scenario
into its timed native messages — the same seed and start give the same bytes."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml

from simulators.base import Faults, stable
from simulators.environment import Effect, Environment, distance_m
from simulators.fleet import Device
from simulators.registry import SIMULATORS
from simulators.scenario_places import Place, ScenarioError, resolve

SCHEMA = Path(__file__).resolve().parent / "scenarios" / "scenario.schema.json"
DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


def seconds(value: Any) -> float:
    """30 → 30 s; "90s", "5m", "1h30m" → seconds."""
    if isinstance(value, int | float):
        return float(value)
    found = DURATION.fullmatch(str(value).strip())
    if not found or not any(found.groups()):
        raise ScenarioError(f"duration {value!r} is not like 90s, 5m or 1h30m")
    h, m, s = (float(g or 0) for g in found.groups())
    return h * 3600 + m * 60 + s


@dataclass(frozen=True)
class Step:
    source: str
    start: float
    end: float
    place: Place
    every: float | None
    count: int | None
    limit: int | None
    what: dict[str, Any]
    faults: bool


@dataclass
class Scenario:
    name: str
    title: str
    duration: float
    places: dict[str, Place]
    effects: list[dict[str, Any]]
    steps: list[Step]
    expect: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    description: str = ""
    staff: dict[str, Any] | None = None  # simulated staff work the cases (simulators/staff.py): seed, pace

    def environment(self, start: datetime) -> Environment:
        effects = []
        for spec in self.effects:
            place = spec["place"]
            effects.append(Effect(spec["kind"], start + timedelta(seconds=spec["start"]),
                                  start + timedelta(seconds=spec["end"]), spec["values"], place.lon, place.lat,
                                  place.radius_m, frozenset([place.district] if place.district else ()), spec["ramp"]))
        return Environment(effects)

    def messages(self, seed: int, start: datetime) -> list[tuple[float, str, bytes]]:
        """Every step's native messages: (seconds after start, simulator name, bytes), in time order."""
        env = self.environment(start)
        timed: list[tuple[float, int, str, bytes]] = []
        for number, step in enumerate(self.steps):
            rng = random.Random(f"{seed}:{self.name}:{number}:{step.source}")
            source = SIMULATORS[step.source].source(rng)  # type: ignore[misc]
            faults = Faults() if step.faults else None
            what = step.what | {"place": step.place.as_what()}
            for t, device in schedule(step, chosen(step, source.devices), rng):
                raw = source.report(device, start + timedelta(seconds=t), env, what)
                if raw is None:
                    continue
                for delivered in deliveries(t, rng, faults):
                    timed.append((delivered, len(timed), step.source, raw))
        return [(t, name, raw) for t, _, name, raw in sorted(timed)]


def chosen(step: Step, devices: list[Device]) -> list[Device]:
    """The step's devices: those in its place (nearest first, at most `limit`), else the nearest one."""
    inside = sorted((d for d in devices if step.place.covers(d)),
                    key=lambda d: (distance_m(d.lon, d.lat, step.place.lon, step.place.lat), d.device_id))
    if not inside:
        inside = sorted(devices, key=lambda d: (distance_m(d.lon, d.lat, step.place.lon, step.place.lat),
                                                d.device_id))[:1]
    return inside[: step.limit] if step.limit else inside


def schedule(step: Step, devices: list[Device], rng: random.Random) -> list[tuple[float, Device]]:
    span = step.end - step.start
    if step.count is not None:
        gap = span / max(step.count, 1)
        return [(step.start + gap * (i + rng.random() * 0.8), devices[i % len(devices)]) for i in range(step.count)]
    every = step.every or span or 60.0
    plan = []
    for device in devices:
        t = step.start + (stable(device.device_id) % 1000) / 1000 * min(every, span or every)
        while t < step.end or (t == step.start and not span):
            plan.append((t, device))
            t += every
    return plan


def deliveries(t: float, rng: random.Random, faults: Faults | None) -> list[float]:
    """When a message sent at `t` arrives: lost, late, repeated — only in steps that ask for faults."""
    if faults is None:
        return [t]
    roll = rng.random()
    if roll < faults.drop:
        return []
    first = t + rng.uniform(20, 240) if roll < faults.drop + faults.late else t
    return [first, t + rng.uniform(1, 30)] if roll > 1 - faults.repeat else [first]


# ── loading ──

@cache
def _validator() -> Any:
    return fastjsonschema.compile(json.loads(SCHEMA.read_text(encoding="utf-8")))


def load(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ScenarioError(f"{path}: cannot read: {err}") from None
    try:
        _validator()(doc)
    except fastjsonschema.JsonSchemaException as err:
        raise ScenarioError(f"{path}: {getattr(err, 'message', err)}") from None
    try:
        return parse(doc)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: {err}") from None


def parse(doc: dict[str, Any]) -> Scenario:
    duration = seconds(doc["duration"])
    places = {name: resolve(name, spec) for name, spec in (doc.get("places") or {}).items()}

    def place(ref: Any, what: str) -> Place:
        if isinstance(ref, str):
            if ref not in places:
                raise ScenarioError(f"{what}: no place named {ref!r} (places: {', '.join(places) or 'none'})")
            return places[ref]
        return resolve(f"{what} place", ref)

    def span(item: dict[str, Any]) -> tuple[float, float]:
        start, end = seconds(item.get("at", 0)), seconds(item.get("until", doc["duration"]))
        if not 0 <= start <= end <= duration:
            raise ScenarioError(f"{item}: at/until must lie within 0…{doc['duration']}")
        return start, end

    effects = []
    for i, spec in enumerate(doc.get("effects") or []):
        start, end = span(spec)
        effects.append({"kind": spec["kind"], "start": start, "end": end,
                        "place": place(spec["where"], f"effect {i + 1}"), "ramp": seconds(spec.get("ramp", 0)),
                        "values": {k: float(v) for k, v in spec["values"].items()}})
    steps = []
    for i, spec in enumerate(doc["steps"]):
        if spec["source"] not in SIMULATORS or SIMULATORS[spec["source"]].source is None:
            raise ScenarioError(f"step {i + 1}: unknown source {spec['source']!r}; known: {', '.join(SIMULATORS)}")
        start, end = span(spec)
        steps.append(Step(spec["source"], start, end, place(spec["where"], f"step {i + 1}"),
                          seconds(spec["every"]) if "every" in spec else None, spec.get("count"), spec.get("limit"),
                          dict(spec.get("what") or {}), bool(spec.get("faults", False))))
    expect = {kind: [dict(e, place=place(e["where"], f"expectation {kind} {n + 1}"),
                          within=seconds(e.get("within", doc["duration"])))
                     for n, e in enumerate((doc.get("expect") or {}).get(kind) or [])]
              for kind in ("events", "incidents", "forecast_warnings", "recommendations", "dispatches")}
    expect["indicators"] = [indicator(n, e) for n, e in enumerate((doc.get("expect") or {}).get("indicators") or [])]
    return Scenario(doc["name"], doc.get("title", doc["name"]), duration, places, effects, steps, expect,
                    doc.get("description", ""), doc.get("staff"))


def indicator(n: int, spec: dict[str, Any]) -> dict[str, Any]:
    """An expectation on the evaluation's indicators: a post's only by post, and by post only with one."""
    if (spec["by"] == "post") != ("post" in spec):
        raise ScenarioError(f"expectation indicators {n + 1}: name a post (inspector, intake, dispatcher, "
                            "shift_lead) with by: post, and only then")
    return dict(spec)


__all__ = ["Place", "Scenario", "ScenarioError", "Step", "load", "parse", "seconds"]
