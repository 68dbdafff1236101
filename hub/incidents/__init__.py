"""Incidents: events correlated by place, related type and time window, handled through the case flow."""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.incidents.correlate import Neighbours
from hub.incidents.db import open_db
from hub.incidents.flow import STATES, InvalidTransition
from hub.incidents.model import Incident, Sighting
from hub.incidents.related import load_related
from hub.incidents.service import IncidentService, Publish, UnknownIncident
from hub.incidents.store import IncidentStore
from hub.pipeline.routing import responsibility_list
from hub.pipeline.rules import load_rules
from hub.supervision.worktime import DEFAULT_WINDOWS


def open_incidents(url: str, publish: Publish | None = None, clock: Callable[[], float] = time.time,
                   neighbours: Neighbours | None = None, work_windows: str = DEFAULT_WINDOWS,
                   work_calendar_file: str | None = None) -> IncidentService:
    """The incident engine on the hub's database URL, with the data files of `hub/data/`."""
    return IncidentService(IncidentStore(open_db(url)), load_rules(), load_related(), responsibility_list(),
                           publish, clock, neighbours, work_windows, work_calendar_file)


__all__ = ["STATES", "Incident", "IncidentService", "IncidentStore", "InvalidTransition", "Sighting",
           "UnknownIncident", "open_incidents"]
