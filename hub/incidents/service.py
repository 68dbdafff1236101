"""The incident engine of a running hub: correlation sink, rule timers, case flow, overdue escalation.

Every write runs inside `Db.exclusive()` and reads the open incidents it needs from the
database, so nothing lives only in memory: a restarted hub, or another hub worker on the same
database, carries on from the same open incidents and timers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from hub.events import DeadLetter, Event
from hub.incidents.correlate import Correlator, Neighbours
from hub.incidents.flow import FINAL, STATE_NAMES, InvalidTransition, check_transition, due_at
from hub.incidents.model import Incident, Sighting, Step
from hub.incidents.related import RelatedTypes
from hub.incidents.store import IncidentStore
from hub.incidents.views import iso, live_item
from hub.routing import ResponsibilityList
from hub.rules import Rule, RuleBook, all_hold

log = logging.getLogger(__name__)
Publish = Callable[[str, list[dict[str, Any]]], None]
MAX_MEMBERS = 500  # past this an incident keeps only members that bring new alarms; it still tracks the rest


class UnknownIncident(KeyError):
    pass


class IncidentService:
    def __init__(self, store: IncidentStore, rules: RuleBook, related: RelatedTypes, duties: ResponsibilityList,
                 publish: Publish | None = None, clock: Callable[[], float] = time.time,
                 neighbours: Neighbours | None = None) -> None:
        self.store, self.rules, self.related, self.duties = store, rules, related, duties
        self.publish, self.clock = publish, clock
        self.correlator = Correlator(related, rules.name, duties.stage_limits_h, neighbours)
        self._types: dict[str, bool] = {}
        self._timed: dict[str, tuple[Rule, ...]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ── the pipeline's sink ──
    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        opens = self.related.open_severity
        self.absorb([Sighting.of(e) for e in fresh if e.hub is not None and (
            e.hub.alarms or e.hub.severity >= opens or self._interesting(e.ce["type"]))])

    def _interesting(self, event_type: str) -> bool:
        """Could an event of this type join an incident or touch a timer? Decided once per type."""
        known = self._types.get(event_type)
        if known is None:
            known = self._types[event_type] = bool(self._timed_of(event_type)) or any(
                m.is_type(event_type) for g in self.related.groups for m in g.members)
        return known

    def _timed_of(self, event_type: str) -> tuple[Rule, ...]:
        found = self._timed.get(event_type)
        if found is None:
            found = self._timed[event_type] = tuple(r for r in self.rules.timed if r.covers(event_type))
        return found

    def absorb(self, sightings: list[Sighting]) -> list[Incident]:
        timed = [s for s in sightings if self._timed_of(s.type)]
        relevant = [s for s in sightings if self.correlator.relevant(s)]
        if not timed and not relevant:
            return []
        now = self.clock()
        with self.store.db.exclusive():
            self._timers(timed)
            changed = self._correlate(relevant, now)
        self._publish(changed)
        return changed

    def _timers(self, sightings: list[Sighting]) -> None:
        for s in sightings:
            view = s.view()
            for rule in self._timed_of(s.type):
                key = rule.key_of(view)
                if key is None:
                    continue
                if all_hold(rule.clear_when, view):
                    self.store.clear_timer(rule.id, key)
                elif all_hold(rule.when, view):
                    self.store.open_timer(rule.id, key, s.time, s.time + rule.within_min * 60, s)

    def _correlate(self, sightings: list[Sighting], now: float) -> list[Incident]:
        if not sightings:
            return []
        active_since = min(s.time for s in sightings) - self.related.max_window_min * 60
        candidates = self.store.open_incidents(active_since, self.correlator.kinds(sightings))
        decisions = self.correlator.correlate(sightings, candidates, now)
        changed: dict[int, Incident] = {}
        for d in decisions:
            incident = d.incident
            if incident.id is None:
                self.store.insert(incident)
                assert incident.id is not None
                self.store.add_step(Step(incident.id, "open", None, "reported", "system:correlation", now,
                                         f"由事件 {d.sighting.type} ({d.sighting.source}) 触发：{incident.title}"))
            elif d.new_alarms:
                names = "、".join(self.rules.name(a) for a in d.new_alarms)
                self.store.add_step(Step(incident.id, "alarm", incident.state, incident.state, "system:rules", now,
                                         f"新告警：{names}（事件 {d.sighting.type} {d.sighting.source}）"))
            if d.opened or d.new_alarms or incident.member_count <= MAX_MEMBERS:
                self.store.add_member(incident.id, d.sighting, now)
            changed[incident.id] = incident
        for incident in changed.values():
            self.store.recount(incident)
            self.store.update(incident)
        return list(changed.values())

    # ── the periodic check: rule timers and overdue steps ──
    def tick(self, now: float | None = None) -> list[Incident]:
        now = self.clock() if now is None else now
        with self.store.db.exclusive():
            raised = []
            for rule_id, _key, _due, s in self.store.take_due_timers(now):
                rule = self.rules.by_id.get(rule_id)
                if rule is not None:
                    s.alarms = [*s.alarms, rule_id] if rule_id not in s.alarms else s.alarms
                    s.severity = max(s.severity, rule.severity)
                    raised.append(s)
            changed = {i.id: i for i in self._correlate(raised, now)}
            for incident in self.store.overdue_candidates(now):
                self._escalate(incident, now)
                changed[incident.id] = incident
        self._publish(list(changed.values()))
        return list(changed.values())

    def _escalate(self, incident: Incident, now: float) -> None:
        assert incident.id is not None
        incident.overdue, incident.escalations, incident.updated_at = True, incident.escalations + 1, now
        self.store.update(incident)
        name, department = STATE_NAMES.get(incident.state, incident.state), incident.department or "未定"
        self.store.add_step(Step(incident.id, "escalate", incident.state, incident.state, "system:timer", now,
                                 f"超时升级：「{name}」应于 {iso(incident.due_at)} 前完成，"
                                 f"已超时，提请 {self.duties.escalate_to} 督办（承办：{department}）"))

    # ── the case flow ──
    def transition(self, incident_id: int, to: str, note: str = "", who: str = "operator") -> Incident:
        now = self.clock()
        with self.store.db.exclusive():
            incident = self.store.get(incident_id)
            if incident is None:
                raise UnknownIncident(incident_id)
            check_transition(incident.state, to)
            previous = incident.state
            incident.state, incident.state_since, incident.updated_at = to, now, now
            if to == "dispatched":
                incident.dispatched_at = now
            incident.due_at = due_at(to, now, incident.dispatched_at, incident.time_limit_h,
                                     self.duties.stage_limits_h)
            incident.overdue = False
            self.store.update(incident)
            self.store.add_step(Step(incident_id, "transition", previous, to, who, now, note))
            if to in FINAL:  # a closed or rejected case raises no more timed alarms
                self.store.clear_timers_of({m["event_uid"] for m in self.store.members(incident_id, 10_000)})
        self._publish([incident])
        return incident

    # ── running ──
    def start(self, every_s: float) -> None:
        if every_s <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="incident-check", daemon=True)
        self._thread.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.tick()
            except Exception:
                log.exception("incident check failed; trying again in %s s", every_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.store.close()

    def _publish(self, incidents: list[Incident]) -> None:
        if self.publish and incidents:
            try:
                self.publish("incident", [live_item(i) for i in incidents])
            except Exception:
                log.exception("could not publish incident changes to the live stream")


__all__ = ["IncidentService", "InvalidTransition", "UnknownIncident"]
