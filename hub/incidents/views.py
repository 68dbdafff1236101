"""How incidents look outside: API items, live-stream items, GeoJSON features, times in Beijing time."""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.incidents.flow import FINAL, OPEN, STATE_NAMES, STATES, flow_map, next_states
from hub.incidents.model import Incident
from hub.supervision.worktime import deadline_provisional

CHINA_TIME = timezone(timedelta(hours=8))
# How screens word the states and the steps between them. Which states and steps exist is flow.py's
# TRANSITIONS alone; a state or step not named here is shown by its Chinese state name (STATE_NAMES).
STATE_NAMES_EN = {"reported": "reported", "verifying": "being verified", "registered": "registered",
                  "dispatched": "dispatched", "in_progress": "in progress", "extension_requested": "extension asked",
                  "park_requested": "parking asked", "parked": "parked", "verified": "verified", "closed": "closed",
                  "rejected": "rejected"}
STEP_NAMES = {  # (from, to) or (None, to) for any step into `to` → (Chinese, English)
    (None, "registered"): ("立案", "Register"), (None, "dispatched"): ("派遣", "Dispatch"),
    (None, "in_progress"): ("开始处置", "Start"), (None, "verified"): ("核查通过", "Verify"),
    (None, "closed"): ("结案", "Close"), (None, "rejected"): ("不予立案", "Reject"),
    ("dispatched", "registered"): ("退回", "Send back"), ("verified", "dispatched"): ("返工", "Rework"),
}


def iso(ts: float | None) -> str | None:
    """RFC 3339 in Beijing time, to the second (the fraction is cut, as isoformat's timespec does)."""
    return None if ts is None else _iso_second(math.floor(ts))


@functools.lru_cache(maxsize=4096)
def _iso_second(second: int) -> str:
    """Every incident a batch touched goes to the map with the same `updated_at`: formatted once."""
    return datetime.fromtimestamp(second, CHINA_TIME).isoformat()


def live_item(incident: Incident) -> dict[str, Any]:
    """What the map gets on `WS /ws/live` (kind "incident") when an incident changes, with the steps the
    server's flow allows from its state now (`next_states`): a screen offers those and nothing else."""
    return {
        "id": incident.id, "state": incident.state, "title": incident.title, "type": incident.type,
        "group": incident.kind, "severity": incident.severity, "district_code": incident.district_code,
        "grid_code": incident.grid_code, "lon": incident.lon, "lat": incident.lat,
        "department": incident.department, "due_at": iso(incident.due_at),
        "deadline_provisional": deadline_provisional(incident.due_at), "overdue": incident.overdue,
        "member_count": incident.member_count, "alarms": incident.alarms, "updated_at": iso(incident.updated_at),
        "next_states": next_states(incident.state),
    }


def summary(incident: Incident) -> dict[str, Any]:
    return live_item(incident) | {
        "state_name": STATE_NAMES.get(incident.state, incident.state),
        "district_name": incident.district_name, "town_code": incident.town_code, "town_name": incident.town_name,
        "time_limit_h": incident.time_limit_h, "opened_at": iso(incident.opened_at),
        "created_at": iso(incident.created_at), "last_event_at": iso(incident.last_event_at),
        "state_since": iso(incident.state_since), "dispatched_at": iso(incident.dispatched_at),
        "escalations": incident.escalations, "cells": incident.cells,
        "links": [{"rel": "self", "href": f"/api/incidents/{incident.id}"}],
    }


def step_item(step: dict[str, Any]) -> dict[str, Any]:
    return step | {"at": iso(step["at"]), "to_state_name": STATE_NAMES.get(step["to_state"], step["to_state"])}


def member_item(member: dict[str, Any]) -> dict[str, Any]:
    return member | {"time": iso(member["time"]), "joined_at": iso(member["joined_at"]),
                     "links": [{"rel": "event", "href": f"/api/events/{member['event_uid']}"}]}


def detail(incident: Incident, members: list[dict[str, Any]], steps: list[dict[str, Any]]) -> dict[str, Any]:
    return summary(incident) | {"members": [member_item(m) for m in members], "steps": [step_item(s) for s in steps]}


def feature(incident: Incident) -> dict[str, Any]:
    point = ({"type": "Point", "coordinates": [incident.lon, incident.lat]}
             if incident.lon is not None and incident.lat is not None else None)
    properties = {k: v for k, v in summary(incident).items() if k != "links"}
    return {"type": "Feature", "id": incident.id, "geometry": point, "properties": properties}


def step_name(source: str, to: str) -> dict[str, str]:
    zh, en = STEP_NAMES.get((source, to)) or STEP_NAMES.get((None, to)) or (STATE_NAMES.get(to, to), to)
    return {"zh": zh, "en": en}


def flow_view() -> dict[str, Any]:
    """The case flow as the page renders it (`/api/meta` and the map's bootstrap): the states, which are
    open and final, each state's next steps and the words for states and steps — all from flow.py."""
    steps = flow_map()
    return {
        "states": list(STATES), "open": list(OPEN), "final": list(FINAL), "next": steps,
        "names": {s: {"zh": STATE_NAMES.get(s, s), "en": STATE_NAMES_EN.get(s, s)} for s in STATES},
        "steps": {s: {to: step_name(s, to) for to in after} for s, after in steps.items()},
    }
