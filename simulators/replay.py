"""Replay a scenario onto a broker in (scaled) real time, then check its expectations against the hub's
HTTP API: events of a type at a place within a time, routed to a department; incidents of a group."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import httpx

from adapters.base import NativeRejected
from adapters.registry import get as get_adapter
from hub.transports.base import Publisher
from simulators.environment import distance_m
from simulators.forecast_check import check_warnings
from simulators.registry import SIMULATORS
from simulators.scenario import Place, Scenario

log = logging.getLogger(__name__)
Say = Callable[[str], None]


def default_start(scenario: Scenario, now: datetime | None = None) -> datetime:
    """The scenario's span ends now (to the minute): its events are never stamped in the future."""
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    return now - timedelta(seconds=scenario.duration)


def replay(scenario: Scenario, publisher: Publisher, *, seed: int, start: datetime, speed: float = 1.0,
           stop: threading.Event | None = None, say: Say | None = None) -> dict[str, int]:
    """Publish every step's messages through their adapters, `speed` times faster than scenario time."""
    timeline = scenario.messages(seed, start)
    counts = {"native": 0, "events": 0, "rejected": 0}
    began = time.monotonic()
    for n, (t, name, raw) in enumerate(timeline, 1):
        delay = began + t / speed - time.monotonic()
        if delay > 0 and stop is not None and stop.wait(delay):
            break
        if delay > 0 and stop is None:
            time.sleep(delay)
        adapter = get_adapter(SIMULATORS[name].adapter)
        counts["native"] += 1
        try:
            events = adapter.adapt(raw)
        except NativeRejected as reason:
            counts["rejected"] += 1
            log.info("%s: native message rejected: %s", adapter.name, reason)
            continue
        publisher.publish(adapter.topic, events)
        counts["events"] += len(events)
        if say and n % 200 == 0:
            say(f"\r{scenario.name}: {n}/{len(timeline)} messages, t={t:.0f}s")
    publisher.flush()
    return counts


@dataclass
class Outcome:
    what: str
    found: int
    wanted: int
    skipped: str = ""

    @property
    def met(self) -> bool:
        return bool(self.skipped) or self.found >= self.wanted

    def line(self) -> str:
        if self.skipped:
            return f"skip   {self.what}: {self.skipped}"
        return f"{'ok   ' if self.met else 'UNMET'}  {self.what}: found {self.found}, want ≥ {self.wanted}"


def where_params(place: Place) -> dict[str, str]:
    if place.radius_m:
        return {"bbox": ",".join(f"{v:.6f}" for v in place.bbox())}
    if place.grid:
        return {"grid": place.grid}
    return {"district": place.district or ""}


def inside(place: Place, lon: float | None, lat: float | None, district: str | None) -> bool:
    if place.radius_m:
        return lon is not None and lat is not None and distance_m(lon, lat, place.lon, place.lat) <= place.radius_m
    return place.grid is not None or district == place.district


def matches_data(data: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(data.get(k) in v if isinstance(v, list) else data.get(k) == v for k, v in wanted.items())


class Checker:
    def __init__(self, hub_url: str, start: datetime, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=hub_url.rstrip("/"), headers=headers, timeout=30, transport=transport)
        self.start = start
        self.token = token
        self.speedup = 1.0  # the unit simulator's clock over the wall clock (dispatch expectations)
        self.staffed = False  # simulated staff work the cases (indicator expectations)
        self._dispatcher: Any = None

    def events(self, exp: dict[str, Any]) -> Outcome:
        place: Place = exp["place"]
        until = self.start + timedelta(seconds=exp["within"])
        params = {"type": exp["type"], "since": self.start.isoformat(), "until": until.isoformat(), "limit": 10000}
        url, found, wanted = "/api/events", 0, int(exp.get("min", 1))
        query: dict[str, Any] | None = params | where_params(place)
        while url:
            page = self.http.get(url, params=query)
            page.raise_for_status()
            body = page.json()
            for feature in body["features"]:
                event, hub = feature["properties"], feature["properties"].get("hub") or {}
                if (inside(place, hub.get("lon"), hub.get("lat"), hub.get("district_code"))
                        and exp.get("department") in (None, hub.get("department"))
                        and matches_data(event.get("data") or {}, exp.get("data") or {})):
                    found += 1
            url = next((link["href"] for link in body.get("links", []) if link.get("rel") == "next"), "")
            query = None
        dept = f" → {exp['department']}" if exp.get("department") else ""
        return Outcome(f"{exp['type']} at {place.name}{dept}", found, wanted)

    def incidents(self, exp: dict[str, Any]) -> Outcome:
        place: Place = exp["place"]
        label = f"incident {exp.get('group') or exp.get('type') or '*'} at {place.name}"
        if exp.get("department"):
            label += f" → {exp['department']}"
        wanted = int(exp.get("min", 1))
        response = self.http.get("/api/incidents", params={"limit": 10000} | (
            {"district": place.district} if place.district and not place.radius_m else {}))
        if response.status_code == 404:
            return Outcome(label, 0, wanted, "the hub has no /api/incidents (404)")
        response.raise_for_status()
        since = self.start.timestamp() - 60
        found = 0
        for item in response.json().get("items", []):
            seen = item.get("last_event_at") or item.get("created_at")
            if seen and datetime.fromisoformat(seen).timestamp() < since:
                continue
            if (exp.get("group") in (None, item.get("group"))
                    and fnmatchcase(str(item.get("type")), exp.get("type", "*"))
                    and exp.get("department") in (None, item.get("department"))
                    and inside(place, item.get("lon"), item.get("lat"), item.get("district_code"))):
                found += 1
        return Outcome(label, found, wanted)

    def check(self, scenario: Scenario) -> list[Outcome]:
        from simulators.command_check import Dispatcher, recommendation
        from simulators.indicator_check import check_indicators

        self._dispatcher = self._dispatcher or Dispatcher(self.token, self.speedup)
        return ([self.events(e) for e in scenario.expect.get("events", [])]
                + [self.incidents(e) for e in scenario.expect.get("incidents", [])]
                + [check_warnings(self, e) for e in scenario.expect.get("forecast_warnings", [])]
                + [recommendation(self.http, e) for e in scenario.expect.get("recommendations", [])]
                + [self._dispatcher.outcome(self.http, n, e)
                   for n, e in enumerate(scenario.expect.get("dispatches", []))]
                + [check_indicators(self.http, self.start, e, self.staffed)
                   for e in scenario.expect.get("indicators", [])])


def check(scenario: Scenario, hub_url: str, start: datetime, *, wait: float = 60, token: str | None = None,
          say: Say | None = None, staffed: bool = False) -> list[Outcome]:
    """Poll the hub until every expectation is met or `wait` seconds have passed; the last outcomes.
    `staffed`: simulated staff work the hub's cases meanwhile (simulators/staff.py)."""
    checker = Checker(hub_url, start, token)
    checker.staffed = staffed
    deadline = time.monotonic() + wait
    while True:
        outcomes = checker.check(scenario)
        if all(o.met for o in outcomes) or time.monotonic() > deadline:
            return outcomes
        if say:
            say(f"\rwaiting for the hub: {sum(o.met for o in outcomes)}/{len(outcomes)} expectations met")
        time.sleep(2)


def terminal_say(text: str) -> None:
    if sys.stderr.isatty():
        print(text, end="", file=sys.stderr, flush=True)
