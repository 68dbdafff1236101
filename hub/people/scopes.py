"""Roles, the area each user may see, and who the caller of a request is.

A role says what a person does (城市运行中心 operator, 区分中心, 镇街, a handling department, 监督员,
a leader, an administrator); an area says which part of the city's data they see. Every read
route passes the caller's area to its query, so what is outside it never leaves the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# role → (Chinese name, what the role needs in its area, whether it may be given an area at all)
ROLES: dict[str, tuple[str, str]] = {
    "city_operator": ("市中心（受理员、派遣员、值班长）", "none"),
    "district_operator": ("区分中心", "district"),
    "town_operator": ("镇街", "town"),
    "department": ("处置部门", "department"),
    "inspector": ("监督员", "optional"),
    "leader": ("领导（只读）", "optional"),
    "admin": ("系统管理员（仅管理用户）", "none"),
}
SERVICE_OPERATOR, SERVICE_VIEWER, OPEN_VIEWER = "service", "service_viewer", "viewer"
READ_ONLY = {"leader", SERVICE_VIEWER, OPEN_VIEWER}


class BadUser(ValueError):
    """A user's role and area do not fit together."""


@dataclass(frozen=True, slots=True)
class Area:
    """The part of the city a caller sees: a district, a town (镇街, 9 digits), a department, or all of it."""

    district: str | None = None
    town: str | None = None
    department: str | None = None

    @property
    def whole_city(self) -> bool:
        return not (self.district or self.town or self.department)

    def admits(self, district: str | None, town: str | None, department: str | None) -> bool:
        """Whether something placed in `district`/`town` and owned by `department` is inside the area."""
        return ((not self.district or district == self.district) and (not self.town or town == self.town)
                and (not self.department or department == self.department))

    def admits_item(self, item: dict[str, Any]) -> bool:
        """The same for a JSON item (an event, an incident, a live item) by its usual keys."""
        town = item.get("town_code") or (str(item.get("grid_code") or "")[:9] or None)
        return self.admits(item.get("district_code"), town, item.get("department"))

    def columns(self) -> dict[str, str]:
        """column → value of the events' and incidents' tables that a query must match."""
        found = {"district_code": self.district, "town_code": self.town, "department": self.department}
        return {k: v for k, v in found.items() if v}

    def to_dict(self) -> dict[str, str | None]:
        return {"district": self.district, "town": self.town, "department": self.department}


CITY = Area()


def area_for(role: str, department: str | None, district: str | None, town: str | None) -> Area:
    """The area a user of `role` sees, checked: 422-worthy `BadUser` when role and area do not fit."""
    if role not in ROLES:
        raise BadUser(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    need = ROLES[role][1]
    if district and not (district.isdigit() and len(district) == 6):
        raise BadUser(f"district must be a 6-digit code, got {district!r}")
    if town and not (town.isdigit() and len(town) == 9):
        raise BadUser(f"town must be a 9-digit code, got {town!r}")
    if town and district and not town.startswith(district):
        raise BadUser(f"town {town} is not in district {district}")
    if town and not district:
        district = town[:6]
    if need == "none" and (department or district or town):
        raise BadUser(f"a {role} sees the whole city: no --department, --district or --town")
    if need == "district" and (not district or town or department):
        raise BadUser("a district_operator needs --district (and no --town or --department)")
    if need == "town" and (not town or department):
        raise BadUser("a town_operator needs --town (and no --department)")
    if need == "department" and (not department or town):
        raise BadUser("a department user needs --department (optionally --district, never --town)")
    if need == "optional" and department:
        raise BadUser(f"a {role} has no department")
    return Area(district or None, town or None, department or None)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request: a named user, a machine's service token, or nobody (open viewing)."""

    name: str
    role: str
    area: Area = field(default=CITY)
    kind: str = "user"  # "user" | "service" | "open"

    @property
    def who(self) -> str:
        """How steps and the audit log name the caller: the user's name, or `operator` / `viewer` / `anonymous`
        (names no user may take, hub.people.users.RESERVED)."""
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "role_name": ROLES.get(self.role, (self.role,))[0],
                "kind": self.kind, "area": self.area.to_dict()}


# How each read route is held to the caller's area. Every GET route of the API must be listed
# (tests/people/test_scope_routes.py walks the OpenAPI document):
#   area      — the query is filtered to the caller's area
#   city      — city-wide data that no area filter fits: only callers who see the whole city
#   geography — the base map and address library (no events, cases or people): any reader
#   admin     — administrators only
#   self      — about the caller only
READ_RULES: dict[str, str] = {
    "/healthz": "geography",
    "/api/events": "area", "/api/events/{uid}": "area", "/api/stats": "area", "/api/deadletters": "city",
    "/api/incidents": "area", "/api/incidents/{incident_id}": "area",
    "/api/analysis": "geography", "/api/analysis/counts/{by}": "area", "/api/analysis/trend": "area",
    "/api/analysis/crosstab": "area", "/api/analysis/top-cells": "area",
    "/api/analysis/incidents/open-by-department": "area", "/api/analysis/incidents/by/{by}": "area",
    "/api/analysis/incidents/overdue": "area",
    "/api/map/registry": "area", "/api/map/registry/{device_id}": "area",
    "/ogc": "geography", "/ogc/conformance": "geography", "/ogc/collections": "geography",
    "/ogc/collections/{cid}": "geography", "/ogc/collections/{cid}/items": "area",
    "/ogc/collections/{cid}/items/{fid}": "area",
    "/api/grid/locate": "geography", "/api/geocode": "geography", "/api/addresses": "geography",
    "/api/layers/{layer}": "geography", "/asyncapi.json": "geography", "/schemas/{name}.json": "geography",
    "/api/work": "area", "/api/alarms": "area", "/api/audit": "admin", "/api/auth/me": "self",
    "/api/meta": "geography",
    # city-wide until their queries take an area: response resources and the open dispatches
    "/api/resources": "city", "/api/dispatches": "city",
    "/api/incidents/{incident_id}/recommendations": "area", "/api/incidents/{incident_id}/surroundings": "area",
    "/api/incidents/{incident_id}/dispatches": "area",
    "/api/notifications": "city", "/api/notifications/recipients": "city",
    "/api/notifications/me": "self", "/api/exchange": "city",
    "/api/devices": "area", "/api/devices/health": "area", "/api/devices/{device_id}": "area",
    "/api/quality": "city", "/api/forecasts": "area",
    "/api/evaluation": "city", "/api/evaluation/report": "city",  # rankings compare the whole city's units
    "/api/incidents/{incident_id}/departments": "area",
}
