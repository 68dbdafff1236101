"""What the city reports to the province, as JSON (`schemas/exchange/province-report.json`, described in
docs/EXCHANGE.md): an incident with the step that changed it, or a day's indicators. The envelope
(report id, sequence number, send time, replay flag) is added as a report leaves."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.incidents.flow import OPEN, STATE_NAMES
from hub.incidents.model import Incident, Step
from hub.incidents.views import CHINA_TIME, iso
from hub.store.database import Database

SCHEMA = "cityhub.province-report/1"
Stats = Callable[[str, float, float], list[dict[str, Any]]]  # (by, since, until) → [{"key", "count"}]
OnlineRates = Callable[[], dict[str, Any] | None]  # the devices' online rates now (hub/health)


def device_rates(health: Any, now: float) -> dict[str, Any]:
    """Online rates (online + late over monitored devices, hub/health) by district and for the city, now."""
    from hub.health.views import health_by

    rows = health_by(health, "district", now)
    monitored = sum(r["monitored"] for r in rows)
    up = sum(r["online"] + r["late"] for r in rows)
    return {"at": iso(now), "city": round(up / monitored, 4) if monitored else None,
            "by_district": {r["district"] or "unknown": r["online_rate"] for r in rows if r["monitored"]}}


def incident_id(city: str, local_id: int | None) -> str:
    return f"{city}-INC-{local_id}"


def local_id_of(city: str, reported_id: str) -> int | None:
    prefix = f"{city}-INC-"
    tail = reported_id.removeprefix(prefix)
    return int(tail) if reported_id.startswith(prefix) and tail.isdigit() else None


def incident_report(city: str, incident: Incident, step: Step) -> dict[str, Any]:
    return {
        "incident": {
            "id": incident_id(city, incident.id), "local_id": incident.id, "title": incident.title,
            "kind": incident.kind, "type": incident.type, "state": incident.state,
            "state_name": STATE_NAMES.get(incident.state, incident.state), "severity": incident.severity,
            "lon": incident.lon, "lat": incident.lat, "district_code": incident.district_code,
            "district_name": incident.district_name, "town_code": incident.town_code,
            "town_name": incident.town_name, "department": incident.department, "alarms": list(incident.alarms),
            "opened_at": iso(incident.opened_at), "updated_at": iso(incident.updated_at),
            "due_at": iso(incident.due_at), "overdue": incident.overdue, "escalations": incident.escalations},
        "step": {"action": step.action, "from_state": step.from_state, "to_state": step.to_state, "who": step.who,
                 "at": iso(step.at), "note": step.note},
    }


def day_bounds(day: date) -> tuple[float, float]:
    start = datetime.combine(day, time(0), CHINA_TIME)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def evaluation_figures(db: Database, since: float, until: float,
                       weights: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The evaluation indicators (docs/EVALUATION.md) of the cases dispatched in [since, until): the city's
    and each district's due, closed, on-time and rework counts, rates, score and grade."""
    from hub.supervision.evaluation import DEFAULT_WEIGHTS, total
    from hub.supervision.platform import evaluate_groups

    weights = weights or DEFAULT_WEIGHTS
    rows = evaluate_groups(db, "district", since, until, weights)
    return {"city": total(rows, weights), "by_district": {str(r.pop("group")): r for r in rows}}


def indicators_report(day: date, db: Database, stats: Stats | None, online: OnlineRates | None = None,
                      weights: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The day's figures (Beijing time): events by domain and district, the incidents' flow, the evaluation
    of the cases dispatched that day, and the devices' online rates as they stand when the report is made."""
    since, until = day_bounds(day)

    def counted(by: str) -> dict[str, int]:
        return {str(r["key"]): int(r["count"]) for r in stats(by, since, until)} if stats else {}

    def one(sql: str, args: tuple[Any, ...]) -> int:
        row = db.one(sql, args)
        return int(row["n"]) if row else 0

    open_in = ",".join(f"'{s}'" for s in OPEN)
    opened_by = db.execute("SELECT district_code AS k, count(*) AS n FROM incidents WHERE created_at >= ? AND"
                           " created_at < ? GROUP BY district_code", (since, until))
    return {"indicators": {
        "date": day.isoformat(), "events_by_domain": counted("domain"), "events_by_district": counted("district"),
        "incidents": {
            "opened": one("SELECT count(*) AS n FROM incidents WHERE created_at >= ? AND created_at < ?",
                          (since, until)),
            "closed": one("SELECT count(*) AS n FROM incident_steps WHERE to_state = 'closed' AND action ="
                          " 'transition' AND at >= ? AND at < ?", (since, until)),
            "open_at_end": one(f"SELECT count(*) AS n FROM incidents WHERE state IN ({open_in})"
                               " AND created_at < ?", (until,)),
            "overdue_at_end": one(f"SELECT count(*) AS n FROM incidents WHERE state IN ({open_in})"
                                  " AND due_at IS NOT NULL AND due_at < ? AND created_at < ?", (until, until)),
            "opened_by_district": {str(r["k"] or "unknown"): int(r["n"]) for r in opened_by}},
        "evaluation": evaluation_figures(db, since, until, weights),
        "device_online_rate": online() if online else None}}


def envelope(city: str, seq: int, kind: str, created_at: float, replay: bool, body: dict[str, Any],
             sent_at: float) -> dict[str, Any]:
    return {"schema": SCHEMA, "report_id": f"{city}-R{seq}", "seq": seq, "city": city, "kind": kind,
            "created_at": iso(created_at), "sent_at": iso(sent_at), "replay": replay} | body
