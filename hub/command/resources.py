"""The response resource registry (应急资源一张图): sites and their mobile units, from ``maps/data``.

Built by ``maps/build_resources.py`` (generated, each site at a standard address). Loaded once;
what changes at run time — where a unit is and what it is doing — is the unit board's
(``hub/command/units.py``), not this registry's.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    kind: str
    label: str
    name: str
    lon: float
    lat: float
    address_id: str
    address: str
    grid_code: str
    town_code: str
    district_code: str
    department: str
    provenance: str
    facts: dict[str, Any] = field(default_factory=dict)  # beds, capacity, stock …

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "name": self.name, "lon": self.lon,
                "lat": self.lat, "address_id": self.address_id, "address": self.address, "grid_code": self.grid_code,
                "town_code": self.town_code, "district_code": self.district_code, "department": self.department,
                "provenance": self.provenance, **self.facts}


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    capability: str
    kind: str
    call_sign: str
    home: str  # the site it belongs to
    terminal: str  # JT/T 808 terminal number it reports with
    department: str


class Registry:
    def __init__(self, sites: list[Site], units: list[Unit]) -> None:
        self.sites = {s.id: s for s in sites}
        self.units = {u.id: u for u in units}
        self.by_terminal = {u.terminal: u for u in units}
        self.capabilities = {u.capability for u in units}
        self.site_kinds = {s.kind for s in sites}
        self.units_of: dict[str, list[Unit]] = {}
        for u in units:
            self.units_of.setdefault(u.home, []).append(u)

    @classmethod
    def load(cls, data_dir: Path) -> Registry:
        with (data_dir / "resources.csv").open(encoding="utf-8", newline="") as f:
            sites = [Site(r["resource_id"], r["kind"], r["label"], r["name"], float(r["lon"]), float(r["lat"]),
                          r["address_id"], r["address"], r["grid_code"], r["town_code"], r["district_code"],
                          r["department"], r["provenance"], json.loads(r["meta"] or "{}")) for r in csv.DictReader(f)]
        with (data_dir / "units.csv").open(encoding="utf-8", newline="") as f:
            units = [Unit(r["unit_id"], r["capability"], r["kind"], r["call_sign"], r["resource_id"], r["terminal"],
                          r["department"]) for r in csv.DictReader(f)]
        return cls(sites, units)

    def home_of(self, unit: Unit) -> Site:
        return self.sites[unit.home]


@functools.cache
def city_registry(data_dir: Path | None = None) -> Registry:
    import maps

    return Registry.load(data_dir or Path(maps.__file__).parent / "data")
