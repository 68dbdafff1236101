"""The incident engine of a running hub: correlation sink, rule timers, case flow, overdue escalation.

Every write runs inside `Db.exclusive()` and the database stays the truth: a restarted hub, or
another hub worker on the same database, carries on from the same open incidents and timers.
Between batches the engine keeps the open incidents it last saw, and their correlation index, in
memory (`OpenIncidents`); it uses them only while the database's generation number is the one it
wrote itself, and reloads them as soon as anyone else (another worker, another engine) wrote.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from hub.events import DeadLetter, Event
from hub.incidents.correlate import Correlator, Decision, Index, Neighbours
from hub.incidents.flow import FINAL, STATE_NAMES, InvalidTransition, check_step, due_at, resolve_step
from hub.incidents.model import Incident, Sighting, Step
from hub.incidents.related import RelatedTypes
from hub.incidents.store import IncidentStore, member_row
from hub.incidents.views import iso, live_item
from hub.pipeline.routing import ResponsibilityList
from hub.pipeline.rules import Rule, RuleBook, all_hold
from hub.supervision.casework import (
    INSPECTOR_REPORT,
    apply_step,
    check_department,
    deadline,
    departments_at,
    limit_of,
    new_record,
    reporter_of,
)
from hub.supervision.classes import class_table
from hub.supervision.records import CaseRecords
from hub.supervision.worktime import BEIJING, DEFAULT_WINDOWS, require_year, use_calendar_file, work_clock

log = logging.getLogger(__name__)
Publish = Callable[[str, list[dict[str, Any]]], None]
MAX_MEMBERS = 500  # past this an incident keeps only members that bring new alarms; it still tracks the rest


FIELDS = tuple(f.name for f in fields(Incident))
PLACED = ("kind", "lon", "lat", "grid_code", "district_code", "cells")  # what the index files an incident by


class UnknownIncident(KeyError):
    pass


class OpenIncidents:
    """The open incidents as this engine last wrote them, and their correlation index. Valid while the
    database's generation is `generation`; holds every open incident whose last event is at or after
    `since` (and maybe some older ones)."""

    def __init__(self) -> None:
        self.drop()

    def drop(self) -> None:
        self.generation: int | None = None
        self.since = math.inf
        self.by_id: dict[int, Incident] = {}
        self.index: Index | None = None

    def fill(self, incidents: list[Incident], index: Index, since: float, generation: int) -> None:
        self.by_id = {}
        for incident in incidents:
            self.add(incident, index)
        self.index, self.since, self.generation = index, since, generation

    @staticmethod
    def _indexable(incident: Incident) -> bool:
        return incident.id is not None and incident.state not in FINAL

    def add(self, incident: Incident, index: Index | None = None) -> None:
        if self._indexable(incident):
            assert incident.id is not None
            self.by_id[incident.id] = incident
            if index is not None:
                index.add(incident)


class IncidentService:
    def __init__(self, store: IncidentStore, rules: RuleBook, related: RelatedTypes, duties: ResponsibilityList,
                 publish: Publish | None = None, clock: Callable[[], float] = time.time,
                 neighbours: Neighbours | None = None, work_windows: str = DEFAULT_WINDOWS,
                 work_calendar_file: str | None = None) -> None:
        self.store, self.rules, self.related, self.duties = store, rules, related, duties
        use_calendar_file(work_calendar_file)  # a malformed or contradictory supplement file fails here
        # working time cannot be counted officially in a year the calendar does not know: refuse to start
        require_year(datetime.fromtimestamp(clock(), BEIJING).year)
        work_clock(work_windows)  # a malformed window fails here, not at the first dispatch
        self.records, self.work_windows = CaseRecords(store.db), work_windows
        self.publish, self.clock = publish, clock
        self.correlator = Correlator(related, rules.name, duties.stage_limits_h, neighbours)
        self._types: dict[str, tuple[bool, bool]] = {}  # event type → (timed, has candidate groups)
        self._timed: dict[str, tuple[Rule, ...]] = {}
        self._open = OpenIncidents()
        self._window_s = related.max_window_min * 60
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ── the pipeline's sink ──
    def sink(self, fresh: list[Event], dead: list[DeadLetter]) -> None:
        """The batch's events that touch a timer (`timed`) or could open or join an incident (`planned`)
        become sightings, in one pass; the others are left alone before any per-event work."""
        opens = self.related.open_severity
        timed: list[Sighting] = []
        planned: list[Sighting] = []
        known = self._types
        for e in fresh:
            hub = e.hub
            if hub is None:
                continue
            event_type = e.ce["type"]
            flags = known.get(event_type) or self._type_flags(event_type)
            alarmed = bool(hub.alarms) or hub.severity >= opens
            if alarmed or flags[0] or flags[1]:
                s = Sighting.of(e)
                if flags[0]:
                    timed.append(s)
                if flags[1] or alarmed:
                    planned.append(s)
        self._absorb(timed, planned)

    def _type_flags(self, event_type: str) -> tuple[bool, bool]:
        """Does an event of this type touch a timer, and might it join an incident? Decided once per type."""
        found = self._types[event_type] = (bool(self._timed_of(event_type)),
                                           bool(self.related.candidates(event_type)))
        return found

    def _timed_of(self, event_type: str) -> tuple[Rule, ...]:
        found = self._timed.get(event_type)
        if found is None:
            found = self._timed[event_type] = tuple(r for r in self.rules.timed if r.covers(event_type))
        return found

    def absorb(self, sightings: list[Sighting]) -> list[Incident]:
        candidates, opens = self.related.candidates, self.correlator.opens
        planned = [s for s in sightings if candidates(s.type) or opens(s)]  # conditions are read when it matters
        return self._absorb([s for s in sightings if self._timed_of(s.type)], planned)

    def _absorb(self, timed: list[Sighting], planned: list[Sighting]) -> list[Incident]:
        if not timed and not planned:
            return []
        now = self.clock()
        with self._dropping_cache_on_failure(), self.store.db.exclusive():
            self._timers(timed)
            changed = self._correlate(planned, now)
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

    def _correlate(self, planned: list[Sighting], now: float) -> list[Incident]:
        """Inside db.exclusive(): decide, write the decisions, and keep the open incidents for the next batch."""
        if not planned:
            return []
        index = self._open_index(min(s.time for s in planned) - self._window_s)
        decisions = self.correlator.decide(planned, index, now, relevant_only=True)
        if not decisions:
            return []
        changed = self._write(decisions, now)
        for incident in changed:
            if incident.id not in self._open.by_id:
                self._open.add(incident)
        self._open.generation = self.store.bump()
        return changed

    def _open_index(self, active_since: float) -> Index:
        """The index of the open incidents that events from `active_since` on could join: the one kept
        from the last batch while nobody else wrote since, else reloaded from the database."""
        cache = self._open
        generation = self.store.generation()
        slack = self._window_s  # keep (and load) one window more, for late events
        if cache.index is None or generation != cache.generation or active_since < cache.since:
            since = active_since - slack
            cache.fill(self.store.open_incidents(since), self.correlator.index(), since, generation)
        elif active_since - cache.since > 2 * slack:  # the window moved on: forget incidents gone quiet
            since = active_since - slack
            kept = [i for i in cache.by_id.values() if i.state not in FINAL and i.last_event_at >= since]
            cache.fill(sorted(kept, key=lambda i: i.id or 0), self.correlator.index(), since, generation)
        assert cache.index is not None
        return cache.index

    def _write(self, decisions: list[Decision], now: float) -> list[Incident]:
        """Store the decisions: new incidents, their steps, members (one statement each) and what joins
        changed. An incident keeps at most MAX_MEMBERS members (more only when they bring alarms); its
        member_count is the number stored, counted here as rows go in, recounted if any was there already."""
        touched: dict[int, Incident] = {}  # id(incident) → incident, in decision order
        joins: dict[int, int] = {}  # id(incident) → joins in this batch, and how many of them are stored
        stored_joins: dict[int, int] = {}
        keep: list[bool] = []
        for d in decisions:
            incident, key = d.incident, id(d.incident)
            touched.setdefault(key, incident)
            stored = d.opened or bool(d.new_alarms) or incident.member_count <= MAX_MEMBERS
            keep.append(stored)
            if not d.opened:
                joins[key] = joins.get(key, 0) + 1
                stored_joins[key] = stored_joins.get(key, 0) + stored
        existing = [i for i in touched.values() if i.id is not None]
        for key, incident in touched.items():  # before the batch, then what it stored
            incident.member_count += stored_joins.get(key, 0) - joins.get(key, 0)
        steps: list[Step] = []
        members: list[tuple[Any, ...]] = []
        add = members.append
        for d, stored in zip(decisions, keep, strict=True):
            incident, s = d.incident, d.sighting
            if incident.id is None:
                self.store.insert(incident)
                assert incident.id is not None
                steps.append(Step(incident.id, "open", None, "reported", "system:correlation", now,
                                  f"由事件 {s.type} ({s.source}) 触发：{incident.title}"))
            elif d.new_alarms:
                names = "、".join(self.rules.name(a) for a in d.new_alarms)
                steps.append(Step(incident.id, "alarm", incident.state, incident.state, "system:rules", now,
                                  f"新告警：{names}（事件 {s.type} {s.source}）"))
            if stored:
                add(member_row(incident.id, s, now))
        self.store.add_steps(steps)
        if self.store.add_members(members) != len(members):  # some were members already (a re-correlated event)
            self.store.refresh_members(members)
            for incident in touched.values():
                self.store.recount(incident)
            existing = list(touched.values())
        self.store.update_joined(existing)
        return list(touched.values())

    def _dropping_cache_on_failure(self) -> _DropOnFailure:
        return _DropOnFailure(self._open)

    def _wrote(self, incidents: list[Incident]) -> None:
        """Inside db.exclusive(), after writing these incidents (read from the database) outside correlation:
        carry them into the kept open incidents, or forget those if they were not the database's."""
        cache = self._open
        current = cache.generation is not None and self.store.generation() == cache.generation
        generation = self.store.bump()
        if not current:
            cache.drop()
            return
        for fresh in incidents:
            kept = cache.by_id.get(fresh.id) if fresh.id is not None else None
            if kept is None or kept is fresh:
                continue
            if any(getattr(kept, n) != getattr(fresh, n) for n in PLACED):
                cache.drop()
                return
            for name in FIELDS:
                setattr(kept, name, getattr(fresh, name))
            if kept.state in FINAL:  # the index skips it from now on; the next refill leaves it out
                del cache.by_id[fresh.id]  # type: ignore[arg-type]
        cache.generation = generation

    # ── the periodic check: rule timers and overdue steps ──
    def tick(self, now: float | None = None) -> list[Incident]:
        now = self.clock() if now is None else now
        with self._dropping_cache_on_failure(), self.store.db.exclusive():
            raised = []
            for rule_id, _key, _due, s in self.store.take_due_timers(now):
                rule = self.rules.by_id.get(rule_id)
                if rule is not None:
                    s.alarms = [*s.alarms, rule_id] if rule_id not in s.alarms else s.alarms
                    s.severity = max(s.severity, rule.severity)
                    raised.append(s)
            changed = {i.id: i for i in self._correlate(raised, now)}
            escalated = self.store.overdue_candidates(now)
            for incident in escalated:
                self._escalate(incident, now)
                changed[incident.id] = incident
            if escalated:
                self._wrote(escalated)
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
    def transition(self, incident_id: int, to: str | None = None, note: str = "", who: str = "operator", *,
                   step: str | None = None, post: str = "operator", attachments: Sequence[str] = (),
                   extension_wh: float | None = None, department: str | None = None) -> Incident:
        """Take one step of the case flow (named, or the only one to `to`) as `post`; record who, when,
        why and the attachments; move the deadline on the working-time clock. A dispatch may name the
        `department` it goes to (BadDepartment unless one responsible at the case's place)."""
        now = self.clock()
        with self._dropping_cache_on_failure(), self.store.db.exclusive():
            incident = self.store.get(incident_id)
            if incident is None:
                raise UnknownIncident(incident_id)
            flow_step = resolve_step(incident.state, to, step)
            check_step(flow_step, post, note)
            if department is not None:
                check_department(flow_step.name, department, self.departments(incident))
            record = self.records.get(incident_id) or new_record(incident, class_table(), self._reporter(incident))
            try:
                apply_step(record, flow_step, now, who, extension_wh, department)
            except ValueError as err:
                raise InvalidTransition(str(err)) from None
            previous, to = incident.state, flow_step.to
            incident.state, incident.state_since, incident.updated_at = to, now, now
            if flow_step.name in ("dispatch", "unpark"):
                incident.dispatched_at = now
            if department is not None:
                incident.department = department
            limit = limit_of(record, incident.time_limit_h)
            record.deadline = deadline(record, limit, self.work_windows)
            incident.due_at = due_at(to, now, incident.dispatched_at, incident.time_limit_h,
                                     self.duties.stage_limits_h, limit, record.extension_wh, self.work_windows)
            incident.overdue = False
            self.store.update(incident)
            self.records.put(record)
            self.store.add_step(Step(incident_id, "transition", previous, to, who, now, note))
            self.records.add_step(incident_id, flow_step.name, previous, to, post, who, now, note, list(attachments),
                                  extension_wh)
            if to in FINAL:  # a closed or rejected case raises no more timed alarms
                self.store.clear_timers_of({m["event_uid"] for m in self.store.members(incident_id, 10_000)})
            self._wrote([incident])
        self._publish([incident])
        return incident

    def _reporter(self, incident: Incident) -> str | None:
        """The inspector whose patrol-app report opened the case (its first member of that type)."""
        if incident.type != INSPECTOR_REPORT or incident.id is None:
            return None
        first = next((m for m in self.store.members(incident.id, 50) if m["type"] == INSPECTOR_REPORT), None)
        return reporter_of(first["source"]) if first else None

    def departments(self, incident: Incident) -> list[str]:
        """The departments a dispatch of this case may name: those responsible at its place."""
        return departments_at(self.duties, class_table(), incident.district_code, incident.town_code,
                              incident.grid_code)

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


class _DropOnFailure:
    """Forget the kept open incidents when a write block fails: they may hold what was rolled back."""

    def __init__(self, cache: OpenIncidents) -> None:
        self.cache = cache

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            self.cache.drop()


__all__ = ["IncidentService", "InvalidTransition", "UnknownIncident"]
