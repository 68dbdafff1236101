"""Build the response resource registry: ``maps/data/resources.csv`` and ``maps/data/units.csv``.

``python -m maps.build_resources``. Sites (fire stations, ambulance stations, hospitals, depots,
shelters …; ``maps/resource_fleets.py``) stand at standard addresses of the library, drawn the way
the device registry draws devices (``maps/build_device_registry.py``'s ``Placer``), with grid code,
town, district and owner department; every row is labelled ``generated``. Mobile units belong to a
site (their home), have one capability, a call sign and the JT/T 808 terminal number they report
with. Deterministic: a fixed seed and order give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

from adapters.declaration import DISTRICT_NAMES
from maps.build_device_registry import SEATS, Placer, allot, render
from maps.resource_fleets import CAPABILITIES, SITES, SiteKind

DATA = Path(__file__).resolve().parent / "data"
SEED = 440712
RESOURCE_COLUMNS = ("resource_id", "kind", "label", "name", "lon", "lat", "address_id", "address", "grid_code",
                    "town_code", "district_code", "department", "provenance", "meta")
UNIT_COLUMNS = ("unit_id", "capability", "kind", "call_sign", "resource_id", "terminal", "department")


def _facts(site: SiteKind, rng: random.Random) -> dict[str, Any]:
    if site.kind == "hospital":
        return {"beds": rng.choice((300, 450, 600, 800, 1200, 1500)), "level": rng.choice(("三级甲等", "二级甲等"))}
    if site.kind == "shelter":
        return {"capacity": rng.choice((500, 800, 1200, 2000, 3500, 5000)),
                "type": rng.choice(("学校", "公园广场", "体育馆", "社区活动中心"))}
    if site.kind == "supply-depot":
        return {"stock": {"sandbags": rng.randrange(2000, 20001, 500), "pumps": rng.randrange(10, 61, 5),
                          "generators": rng.randrange(5, 31), "life_jackets": rng.randrange(200, 2001, 100)}}
    return {}


def _short(town_name: str) -> str:
    for suffix in ("街道", "镇"):
        if town_name.endswith(suffix) and len(town_name) > len(suffix) + 1:
            return town_name[: -len(suffix)]
    return town_name


def build_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(SEED)
    placer = Placer(rng)
    sites: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    serial: dict[str, int] = {}
    names: set[str] = set()
    for site in SITES:
        if site.count == 0:
            spots = [placer.at(*SEATS[c], shared=False) for c in SEATS if c != "440700"]
        else:
            spots = [placer.draw(a) for a in allot(site.anchors, site.count)]
        for spot in spots:
            assert spot is not None
            district = spot["district_code"]
            serial[site.id_prefix] = n = serial.get(site.id_prefix, 0) + 1
            town = placer.geo.town_name(spot["town_code"]) if spot["town_code"] else DISTRICT_NAMES[district]
            name = f"{_short(town)}{site.label}"
            k = 2
            while name in names:
                name, k = f"{_short(town)}{site.label}{k}号", k + 1
            names.add(name)
            dept = site.department if isinstance(site.department, str) else site.department.get(
                district, site.department["440700"])
            rid = f"{site.id_prefix}-{district}-{n:03d}"
            sites.append({"resource_id": rid, "kind": site.kind, "label": site.label, "name": name, **spot,
                          "lon": f"{spot['lon']:.6f}", "lat": f"{spot['lat']:.6f}", "department": dept,
                          "provenance": "generated",
                          "meta": json.dumps(_facts(site, rng), ensure_ascii=False, sort_keys=True)})
            for capability, count in site.units:
                for i in range(1, count + 1):
                    terminal = f"177{len(units) + 1:08d}"
                    units.append({"unit_id": f"{rid}-{capability}-{i}", "capability": capability,
                                  "kind": CAPABILITIES[capability], "call_sign": f"{name}{CAPABILITIES[capability]}{i}",
                                  "resource_id": rid, "terminal": terminal, "department": dept})
    return sites, units


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build_resources", description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    sites, units = build_rows()
    (args.out / "resources.csv").write_text(render(sites, RESOURCE_COLUMNS), encoding="utf-8")
    (args.out / "units.csv").write_text(render(units, UNIT_COLUMNS), encoding="utf-8")
    print(f"{len(sites)} sites, {len(units)} units → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
