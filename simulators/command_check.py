"""Scenario expectations on joint command (``expect.recommendations`` and ``expect.dispatches``).

* ``recommendations``: for the first open incident of ``group`` at ``where``, the first unit the hub
  recommends for ``capability`` is ``first`` (a unit id of ``maps/data/units.csv``).
* ``dispatches``: the checker, as the operator, dispatches the first recommended unit of
  ``capability`` to that incident (once), and expects it on scene within its ETA × ``eta_factor``
  (default 1.5), counted on the unit's clock: wall time × the unit simulator's ``speedup``.
  Without an operator token the expectation is skipped, saying why.
"""

from __future__ import annotations

from typing import Any

import httpx

from simulators.replay import Outcome, inside


def _incident(http: httpx.Client, exp: dict[str, Any]) -> dict[str, Any] | None:
    answer = http.get("/api/incidents", params={"limit": 10000})
    items = answer.json().get("items", []) if answer.status_code == 200 else []
    place = exp["place"]
    return next((i for i in sorted(items, key=lambda i: i["id"])
                 if i.get("group") == exp["group"] and i.get("state") not in ("closed", "rejected")
                 and inside(place, i.get("lon"), i.get("lat"), i.get("district_code"))), None)


def _first(http: httpx.Client, incident_id: int, capability: str) -> dict[str, Any] | None:
    rec = http.get(f"/api/incidents/{incident_id}/recommendations").json()
    cap = next((c for c in rec.get("capabilities", []) if c["capability"] == capability), None)
    return cap["units"][0] if cap and cap["units"] else None


def recommendation(http: httpx.Client, exp: dict[str, Any]) -> Outcome:
    label = f"first {exp['capability']} recommended for {exp['group']} at {exp['place'].name} is {exp['first']}"
    if http.get("/api/resources").status_code == 404:
        return Outcome(label, 0, 1, "the hub has no joint command (/api/resources 404)")
    incident = _incident(http, exp)
    first = _first(http, incident["id"], exp["capability"]) if incident else None
    return Outcome(label, int(first is not None and first["unit"] == exp["first"]), 1)


class Dispatcher:
    """Sends each dispatch expectation's unit once, then watches for its arrival."""

    def __init__(self, operator: str | None, speedup: float) -> None:
        self.operator, self.speedup = operator, speedup
        self.sent: dict[int, tuple[int, str, float]] = {}  # expectation index → incident, unit, eta_s

    def outcome(self, http: httpx.Client, n: int, exp: dict[str, Any]) -> Outcome:
        factor = float(exp.get("eta_factor", 1.5))
        label = f"{exp['capability']} dispatched to {exp['group']} at {exp['place'].name} on scene within ETA×{factor}"
        if not self.operator:
            return Outcome(label, 0, 1, "no operator token to dispatch with (and no unit simulator asked for)")
        if n not in self.sent:
            incident = _incident(http, exp)
            first = _first(http, incident["id"], exp["capability"]) if incident else None
            if incident is None or first is None:
                return Outcome(label, 0, 1)
            answer = http.post(f"/api/incidents/{incident['id']}/dispatches", json={"unit": first["unit"]},
                               headers={"Authorization": f"Bearer {self.operator}"})
            if answer.status_code != 201:
                return Outcome(label, 0, 1)
            self.sent[n] = (incident["id"], first["unit"], float(answer.json()["eta_s"] or 0))
        incident_id, unit, eta_s = self.sent[n]
        rows = http.get(f"/api/incidents/{incident_id}/dispatches").json()["items"]
        row = next((r for r in rows if r["unit_id"] == unit), None)
        on_time = (row is not None and row.get("arrived_at") is not None
                   and (row["arrived_at"] - row["dispatched_at"]) * self.speedup <= eta_s * factor)
        return Outcome(label, int(on_time), 1)
