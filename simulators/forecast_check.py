"""Forecast warnings against measured crossings: which crossings were warned ahead, and by how long. Used by
the replay's `--check` (through the hub's API) and by bench/forecast_leads.py (offline, over many seeds)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# what a point kind measures: (event type, data field)
MEASURES = {"waterlogging": ("city.water.waterlogging", "depth_cm"), "river": ("city.water.level", "level_m")}

Span = tuple[float, float | None]  # a warning: issued, withdrawn (None: still in force)


def epoch_of(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def lead_s(crossed_at: float, spans: list[Span]) -> float | None:
    """How long before the crossing the warning in force at that moment was issued; None: none was."""
    leads = [crossed_at - issued for issued, withdrawn in spans
             if issued <= crossed_at and (withdrawn is None or withdrawn >= crossed_at)]
    return max(leads) if leads else None


def first_crossing(readings: list[tuple[float, float]], threshold: float) -> float | None:
    """The event time of the first reading at or above the threshold, if the point started below it."""
    ordered = sorted(readings)
    if not ordered or ordered[0][1] >= threshold:
        return None
    return next((t for t, v in ordered if v >= threshold), None)


@dataclass
class LeadFigures:
    crossings: int
    warned_ahead: int
    leads_min: list[float]
    warnings: int
    false_warnings: int  # issued below the threshold, and no reading reached it within the horizon
    unjudged: int = 0  # warnings whose horizon runs past the readings, with no crossing yet

    def summary(self) -> dict[str, Any]:
        return {"crossings": self.crossings, "warned_ahead": self.warned_ahead,
                "share_warned_ahead": round(self.warned_ahead / self.crossings, 3) if self.crossings else None,
                "median_lead_min": round(statistics.median(self.leads_min), 1) if self.leads_min else None,
                "warnings": self.warnings, "false_warnings": self.false_warnings,
                "false_warning_share": round(self.false_warnings / self.warnings, 3) if self.warnings else None,
                "unjudged_warnings": self.unjudged}


def figures(readings: dict[str, list[tuple[float, float]]], thresholds: dict[str, float],
            spans: dict[str, list[Span]], horizon_s: float, min_lead_s: float = 0.0) -> LeadFigures:
    """Crossings (points that start below their threshold and reach it) and how many were warned ahead (before
    the crossing reading, by at least `min_lead_s`); warnings, and the false ones: issued while the point was
    below its threshold and not followed by a reading at or above it within the forecast horizon. A warning
    whose horizon runs past the point's last reading cannot be judged and is left out of both counts."""
    crossings = warned = false = issued = unjudged = 0
    leads: list[float] = []
    for point, series in readings.items():
        threshold, ordered = thresholds[point], sorted(series)
        at = first_crossing(ordered, threshold)
        if at is not None:
            crossings += 1
            lead = lead_s(at, spans.get(point, []))
            if lead is not None and lead > 0 and lead >= min_lead_s:
                warned += 1
                leads.append(lead / 60)
        for start, _ in spans.get(point, []):
            before = [v for t, v in ordered if t <= start]
            came = any(v >= threshold for t, v in ordered if start <= t <= start + horizon_s)
            if not came and not (before and before[-1] >= threshold) and start + horizon_s > ordered[-1][0]:
                unjudged += 1  # nothing yet, and its horizon runs past the last reading
                continue
            issued += 1
            false += not came and not (before and before[-1] >= threshold)
    return LeadFigures(crossings, warned, leads, issued, false, unjudged)


def check_warnings(checker: Any, exp: dict[str, Any]) -> Any:
    """A `forecast_warnings` expectation against the hub's API: the points of the kind in the place whose
    measured crossing (GET /api/events) a forecast warning (GET /api/incidents, group forecast-warning)
    preceded by at least `lead_min`."""
    from simulators.replay import Outcome, inside, where_params

    kind, place, http = exp["kind"], exp["place"], checker.http
    lead_min, wanted = float(exp.get("lead_min", 0)), int(exp.get("min", 1))
    label = f"forecast warnings ({kind}) at {place.name}, lead ≥ {lead_min:g} min"
    listed = http.get("/api/forecasts", params={"kind": kind})
    if listed.status_code == 404:
        return Outcome(label, 0, wanted, "the hub has no /api/forecasts (404)")
    listed.raise_for_status()
    if listed.json().get("model") is None:
        return Outcome(label, 0, wanted, "the hub has no fitted forecast model (its store holds no water history)")
    points = {p["point_id"]: p for p in listed.json()["items"]
              if inside(place, p["lon"], p["lat"], p.get("district_code"))}
    event_type, field = MEASURES[kind]
    since, until = checker.start, checker.start.timestamp() + exp["within"]
    readings: dict[str, list[tuple[float, float]]] = {p: [] for p in points}
    url = "/api/events"
    query: dict[str, Any] | None = {"type": event_type, "since": since.isoformat(), "limit": 10000} | where_params(
        place)
    while url:
        body = http.get(url, params=query).json()
        for feature in body["features"]:
            event = feature["properties"]
            device, at = str(event["source"]).rpartition("/")[2], epoch_of(event["time"])
            if device in readings and at <= until:
                readings[device].append((at, float(event["data"][field])))
        url = next((link["href"] for link in body.get("links", []) if link.get("rel") == "next"), "")
        query = None
    spans: dict[str, list[Span]] = {}
    for item in http.get("/api/incidents", params={"limit": 10000}).json().get("items", []):
        if item.get("group") != "forecast-warning":
            continue
        warned = next((p for p in points if f"（{p}）" in str(item.get("title"))), None)
        if warned is not None:
            closed = epoch_of(item["state_since"]) if item.get("state") == "closed" else None
            spans.setdefault(warned, []).append((epoch_of(item["opened_at"]), closed))
    found = figures(readings, {p: float(points[p]["threshold"]) for p in points}, spans, 7200, lead_min * 60)
    return Outcome(label, found.warned_ahead, wanted)
