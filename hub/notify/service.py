"""The notifier of a running hub: turns incident steps and other causes into notices (in the cause's
transaction), checks deadlines at their reminder share, and runs the sender.

Causes and their trigger keys (each notice is `<key>/<recipient>/<channel>`, queued once):
- step `transition` to dispatched → `dispatched/<incident>/<step time>` (a re-dispatch or 返工 is new)
- step `escalate` → `overdue/<incident>/<escalation n>` and `escalated/<incident>/<escalation n>`
- step `open` or `alarm` of an incident with an orange or red weather alarm → `weather/<incident>/<rule>`
- a 督办 order from the province (hub/exchange/orders.py queues it with its step) → `supervision/<order id>`
- a dispatched case past `deadline_share` of its limit → `deadline/<incident>/<dispatch time>`
- step `open` of the hub's own alarms (hub/health, hub/forecast): a device offline or flapping →
  `device_offline/<incident>`, a forecast warning → `forecast_warning/<incident>`, a source's data
  quality → `source_quality/<incident>`
- `notify(trigger, key, context)` from any other code
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import numpy as np

from hub.incidents.flow import STATE_NAMES
from hub.incidents.model import Incident, Step
from hub.incidents.store import IncidentStore
from hub.incidents.views import CHINA_TIME
from hub.notify.channels import Channel
from hub.notify.outbox import Outbox
from hub.notify.sender import RetryPolicy, Sender
from hub.notify.triggers import NoticeBook, Recipient, person
from hub.store.database import Database
from hub.supervision.worktime import DEFAULT_WINDOWS, UnknownYear, work_clock

log = logging.getLogger(__name__)
KIND_TRIGGERS = {"device-offline": "device_offline", "device-flapping": "device_offline",  # hub/health, hub/forecast
                 "forecast-warning": "forecast_warning", "source-quality": "source_quality"}
WEATHER_ALARMS = {"weather.warning.orange": "橙色气象预警", "weather.warning.red": "红色气象预警"}
Publish = Callable[[str, list[dict[str, Any]]], None]


def local_time(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def incident_context(incident: Incident, escalate_to: str = "") -> dict[str, Any]:
    place = "".join(p for p in (incident.district_name, incident.town_name) if p) or incident.grid_code
    return {"incident_id": incident.id, "title": incident.title, "department": incident.department,
            "district_code": incident.district_code, "district_name": incident.district_name,
            "town_code": incident.town_code, "town_name": incident.town_name, "place": place,
            "due": local_time(incident.due_at), "state_name": STATE_NAMES.get(incident.state, incident.state),
            "severity": incident.severity, "escalations": incident.escalations, "escalate_to": escalate_to}


class Notifier:
    def __init__(self, db: Database, book: NoticeBook, channels: Mapping[str, Channel], escalate_to: str = "",
                 publish: Publish | None = None, clock: Callable[[], float] = time.time,
                 work_windows: str = DEFAULT_WINDOWS) -> None:
        self.db, self.book, self.escalate_to, self.publish, self.clock = db, book, escalate_to, publish, clock
        self.work_windows = work_windows
        self.outbox = Outbox(db)
        policy = RetryPolicy(book.first_retry_s, book.max_retry_s, book.max_attempts, book.alarm_after_failures)
        self.sender = Sender(self.outbox, channels, policy, on_alarm=self._alarm, clock=clock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def channels(self) -> list[str]:
        return sorted(self.sender.channels)

    def watch(self, store: IncidentStore) -> None:
        """Queue the notices of this store's incident steps, inside their transactions."""
        store.step_listeners.append(self.on_steps)

    # ── inside a transaction ──
    def queue(self, trigger: str, key: str, context: Mapping[str, Any], incident_id: int | None = None) -> int:
        """Write the trigger's notices (inside the caller's transaction); how many were new."""
        notices = self.book.notices(trigger, key, context, self.sender.channels, self.preferences(),
                                    incident_id, self.people())
        return self.outbox.add(notices, self.clock()) if notices else 0

    def people(self) -> list[Recipient]:
        """The named users who gave an address of their own, as recipients."""
        rows = self.db.execute("SELECT p.recipient, p.name, p.role, p.department, p.district, p.town, c.channel,"
                               " c.address FROM notice_people p JOIN notice_preferences c ON c.recipient = p.recipient"
                               " WHERE c.enabled = 1 AND c.address IS NOT NULL ORDER BY p.recipient, c.channel")
        found: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
        for r in rows:
            found.setdefault(r["recipient"], (r, {}))[1][r["channel"]] = r["address"]
        return [person(r["name"], r["role"], r["department"], r["district"], r["town"], channels)
                for r, channels in found.values()]

    def enrol(self, name: str, role: str, department: str | None, district: str | None, town: str | None) -> str:
        """Keep a named user's role and area for their notices; their recipient id."""
        recipient = f"user:{name}"
        self.db.execute("INSERT INTO notice_people (recipient, name, role, department, district, town) VALUES"
                        " (?,?,?,?,?,?) ON CONFLICT (recipient) DO UPDATE SET role = excluded.role,"
                        " department = excluded.department, district = excluded.district, town = excluded.town",
                        (recipient, name, role, department, district, town))
        return recipient

    def preferences(self) -> dict[tuple[str, str], tuple[bool, str | None]]:
        rows = self.db.execute("SELECT recipient, channel, enabled, address FROM notice_preferences")
        return {(r["recipient"], r["channel"]): (bool(r["enabled"]), r["address"]) for r in rows}

    def choose(self, recipient: str, channel: str, enabled: bool, address: str | None) -> None:
        """A recipient's own choice for one channel; later notices follow it."""
        self.db.execute("INSERT INTO notice_preferences (recipient, channel, enabled, address, changed_at)"
                        " VALUES (?,?,?,?,?) ON CONFLICT (recipient, channel) DO UPDATE SET enabled = excluded.enabled,"
                        " address = excluded.address, changed_at = excluded.changed_at",
                        (recipient, channel, int(enabled), address, self.clock()))

    def on_steps(self, store: IncidentStore, steps: list[Step]) -> None:
        for step in steps:
            if step.action not in ("transition", "escalate", "open", "alarm"):
                continue
            if step.action == "transition" and step.to_state != "dispatched":
                continue
            incident = store.get(step.incident_id)
            if incident is None:
                continue
            context = incident_context(incident, self.escalate_to) | {"note": step.note}
            n = incident.id
            if step.action == "transition":  # a dispatch, and a re-dispatch (解除挂账, 返工), each its own
                self.queue("dispatched", f"dispatched/{n}/{step.at:.3f}", context, n)
            elif step.action == "escalate":
                self.queue("overdue", f"overdue/{n}/{incident.escalations}", context, n)
                self.queue("escalated", f"escalated/{n}/{incident.escalations}", context, n)
            elif step.action == "open" and incident.kind in KIND_TRIGGERS:
                trigger = KIND_TRIGGERS[incident.kind]
                self.queue(trigger, f"{trigger}/{n}", context, n)
            else:
                for rule, name in WEATHER_ALARMS.items():
                    if rule in incident.alarms:
                        self.queue("weather_warning", f"weather/{n}/{rule}", context | {"alarm_name": name}, n)

    # ── in a transaction of its own ──
    def notify(self, trigger: str, key: str, context: Mapping[str, Any], incident_id: int | None = None) -> int:
        """Queue a trigger's notices now, e.g. a device offline past its limit (`device_offline`) or a
        forecast warning (`forecast_warning`); `key` names the occurrence, so calling again with the same
        key adds nothing. Context names: see the trigger's template in the notifications file."""
        with self.db.exclusive():
            added = self.queue(trigger, key, context, incident_id)
        self.sender.wake()
        return added

    def check_deadlines(self, now: float | None = None) -> int:
        """Queue the reminder of every case in handling past `deadline_share` of its time limit, not yet
        overdue: the share of working time for a limit in working hours or days (the case's work clock),
        of clock time for one in hours."""
        now = self.clock() if now is None else now
        share = self.book.deadline_share
        rows = self.db.execute(
            "SELECT i.id, i.dispatched_at, i.due_at, r.limit_text FROM incidents i"
            " LEFT JOIN case_records r ON r.incident_id = i.id WHERE i.state IN ('dispatched', 'in_progress')"
            " AND i.overdue = 0 AND i.dispatched_at IS NOT NULL AND i.due_at IS NOT NULL AND i.due_at > ?"
            " AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.incident_id = i.id AND n.trigger = 'deadline'"
            " AND n.created_at >= i.dispatched_at)", (now,))
        due = [int(r["id"]) for r in rows if self._reminder_at(r, share) <= now]
        if not due:
            return 0
        store, added = IncidentStore(self.db), 0
        with self.db.exclusive():
            for incident_id in due:
                incident = store.get(incident_id)
                if incident is None or incident.overdue or incident.state not in ("dispatched", "in_progress"):
                    continue
                context = incident_context(incident, self.escalate_to) | {"share": f"{share:.0%}"}
                added += self.queue("deadline", f"deadline/{incident.id}/{incident.dispatched_at:.0f}", context,
                                    incident.id)
        return added

    def _reminder_at(self, row: Mapping[str, Any], share: float) -> float:
        start, end = float(row["dispatched_at"]), float(row["due_at"])
        text = row["limit_text"] or ""
        if not text.endswith(("wh", "wd")):  # a limit in clock hours
            return start + share * (end - start)
        clock = work_clock(self.work_windows)
        try:
            a, b = clock.counted(np.array([start, end]))
            return float(clock.instant(np.array([a + share * (b - a)]))[0])
        except UnknownYear:
            return start + share * (end - start)

    def _alarm(self, channel: str, failures: int, error: str) -> None:
        log.error("notice channel %s failed %d times in a row: %s", channel, failures, error)
        context = {"channel": channel, "failures": failures, "error": error}
        with self.db.exclusive():
            notices = [n for n in self.book.notices("channel_failed", f"channel_failed/{channel}/{self.clock():.0f}",
                                                    context, self.sender.channels, self.preferences())
                       if n.channel != channel]
            self.outbox.add(notices, self.clock())
        if self.publish:
            self.publish("platform_alarm", [{"what": "notice_channel", "channel": channel, "failures": failures,
                                    "error": error}])

    # ── running ──
    def start(self, every_s: float) -> None:
        if every_s <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="notify", daemon=True)
        self._thread.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.check_deadlines()
                while self.sender.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("notifier round failed; trying again in %s s", every_s)
            self.sender.idle(every_s)

    def stop(self) -> None:
        self._stop.set()
        self.sender.wake()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None
