"""Alarms the hub raises about itself (a device offline, a source's quality low, a forecast warning): each is
an incident of its own kind in the incident tables, so the owner department sees it in its work list and
on the map, and the hub closes it with a step saying why when the cause is gone.

Every write runs in the incident database's `exclusive()` and raises the incident generation, so the
correlation engine's in-memory copy of the open incidents reloads rather than missing these rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.incidents.model import Incident, Step
from hub.incidents.service import IncidentService
from hub.incidents.views import live_item

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Raise:
    """What an alarm says and where it goes."""

    kind: str  # the incident's group: device-offline, device-flapping, source-quality, forecast-warning
    type: str  # e.g. hub.device.offline
    title: str
    department: str | None
    severity: int = 2
    place: dict[str, Any] | None = None  # lon, lat, grid_code, district_code, town_code (registry fields)
    note: str = ""
    at: float | None = None  # the event time it speaks for (a forecast's basis); None: now


class Alarms:
    def __init__(self, incidents: IncidentService, clock: Callable[[], float] = time.time) -> None:
        self.incidents, self.clock = incidents, clock

    def open(self, alarm: Raise, who: str) -> int:
        now, place = self.clock(), alarm.place or {}
        at = now if alarm.at is None else alarm.at
        incident = Incident(None, alarm.kind, alarm.type, alarm.title, "reported", alarm.severity,
                            place.get("lon"), place.get("lat"), place.get("grid_code"), place.get("district_code"),
                            place.get("district_name"), place.get("town_code"), place.get("town_name"),
                            alarm.department, None, at, now, now, at, now)
        store = self.incidents.store
        with store.db.exclusive():
            incident_id = store.insert(incident)
            store.add_step(Step(incident_id, "open", None, "reported", who, now, alarm.note or alarm.title))
            store.bump()
        self._publish(incident)
        return incident_id

    def note(self, incident_id: int, note: str, who: str) -> None:
        """A step on an open alarm (e.g. "flapping"), without changing its state."""
        store = self.incidents.store
        with store.db.exclusive():
            incident = store.get(incident_id)
            if incident is None or incident.state in ("closed", "rejected"):
                return
            store.add_step(Step(incident_id, "alarm", incident.state, incident.state, who, self.clock(), note))

    def close(self, incident_id: int, note: str, who: str) -> None:
        """Close the alarm (结案) if it is still open; a case staff already closed stays as it is."""
        now, store = self.clock(), self.incidents.store
        with store.db.exclusive():
            incident = store.get(incident_id)
            if incident is None or incident.state in ("closed", "rejected"):
                return
            previous = incident.state
            incident.state, incident.state_since, incident.updated_at, incident.due_at = "closed", now, now, None
            store.update(incident)
            store.add_step(Step(incident_id, "transition", previous, "closed", who, now, note))
            store.bump()
        self._publish(incident)

    def _publish(self, incident: Incident) -> None:
        if self.incidents.publish:
            try:
                self.incidents.publish("incident", [live_item(incident)])
            except Exception:
                log.exception("could not publish an alarm to the live stream")
