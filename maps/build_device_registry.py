"""Build the device registry (一机一档): ``maps/data/device_registry.csv`` (``python -m maps.build_device_registry``).

Every simulated device of every source system, with its WGS84 position, standard address, unit-grid
cell, town and district, owner department, the adapter that reads it and how it reports its own
position (``reports``: none — only its id, the hub places it from here; gcj02/wgs84 — it sends
coordinates). Devices stand at standard addresses of the address library (the nearest address to
a point drawn around its fleet's anchor); while the library is absent they keep the drawn point.

Deterministic: a fixed seed, fixed order and rounding — re-running it gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
from pathlib import Path
from typing import Any

from adapters.declaration import ANCHORS, DISTRICT_NAMES, Fleet
from hub.geo import load_city
from maps.device_fleets import FLEETS

OUT = Path(__file__).resolve().parent / "data" / "device_registry.csv"
COLUMNS = ("device_id", "kind", "name", "adapter", "lon", "lat", "address_id", "address", "grid_code", "town_code",
           "district_code", "department", "reports", "meta")
SEED = 440700
SEATS = {"440700": (113.0816, 22.5787), "440703": (113.0780, 22.5950), "440704": (113.1120, 22.5630),
         "440705": (113.0350, 22.5200), "440781": (112.7940, 22.2520), "440783": (112.6980, 22.3760),
         "440784": (112.9640, 22.7680), "440785": (112.3050, 22.1830)}
KM_PER_DEG = (102.85, 110.75)
ROAD_STEMS = ("建设", "港口", "迎宾", "胜利", "跃进", "五邑", "白石", "发展", "龙湾", "丰乐", "华园", "东华",
              "江华", "堤东", "北新", "农林", "金瓯", "冈州", "紫华", "会城")


class Placer:
    """Draws points around anchors inside the city and moves them onto standard addresses when it can."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.geo = rng, load_city()
        self.has_addresses = callable(getattr(self.geo, "nearest_address", None))
        self.taken: set[str] = set()

    def draw(self, anchor: str) -> dict[str, Any]:
        lon0, lat0, spread = ANCHORS[anchor]
        for attempt in range(200):  # prefer a point with a free standard address near it; hills may have none
            lon = lon0 + self.rng.gauss(0, spread / 2) / KM_PER_DEG[0]
            lat = lat0 + self.rng.gauss(0, spread / 2) / KM_PER_DEG[1]
            spot = self.at(lon, lat)
            if spot is not None and (spot["address_id"] or not self.has_addresses or attempt >= 40):
                return spot
        raise RuntimeError(f"no point inside the city around anchor {anchor}")

    def at(self, lon: float, lat: float, shared: bool = False) -> dict[str, Any] | None:
        """The point's place; on its nearest standard address when one is near (and free, unless `shared`)."""
        found = self.geo.locate(lon, lat)
        if found is None:
            return None
        spot = {"lon": lon, "lat": lat, "address_id": "", "address": "", "grid_code": found.get("grid_code") or "",
                "town_code": found.get("town_code") or "", "district_code": found["district_code"]}
        if self.has_addresses:
            address = self.geo.nearest_address(lon, lat)
            if address and (shared or address["id"] not in self.taken) and address.get("distance_m", 0) < 1500:
                self.taken.add(address["id"])
                found = self.geo.locate(address["lon"], address["lat"]) or found
                spot = {"lon": address["lon"], "lat": address["lat"], "address_id": address["id"],
                        "address": address["text"], "grid_code": found.get("grid_code") or "",
                        "town_code": found.get("town_code") or "", "district_code": found["district_code"]}
        return spot


def meta_for(fleet: Fleet, n: int, rng: random.Random) -> dict[str, Any]:
    meta: dict[str, Any] = dict(fleet.extra)
    if fleet.kind == "parking-lot":
        meta["capacity"] = rng.choice((60, 120, 200, 350, 600, 900))
        meta["use"] = ("商业广场", "写字楼", "医院", "公园", "住宅小区", "路内泊位")[n % 6]
    elif fleet.kind == "road-segment":
        meta["road"] = f"{ROAD_STEMS[n % len(ROAD_STEMS)]}{'路' if n % 3 else '大道'}"
        meta["direction"] = rng.choice(("东向西", "西向东", "南向北", "北向南"))
    elif fleet.kind in ("river-gauge", "reservoir-gauge"):
        base = rng.uniform(1.2, 2.5) if fleet.kind == "river-gauge" else rng.uniform(18, 60)
        meta |= {"base_level_m": round(base, 2), "warning_level_m": round(base + (2.0 if fleet.kind == "river-gauge"
                                                                                 else 4.0), 2)}
    elif fleet.kind == "pollution-outlet":
        meta["medium"] = "water" if n % 2 else "air"
    elif fleet.kind == "bridge":
        meta["points"] = rng.randint(4, 8)
    elif fleet.kind == "hazard-source":
        meta["chemical"] = rng.choice(("液氯", "液氨", "甲醇", "苯乙烯", "液化石油气", "硫酸"))
    return meta


def allot(weights: dict[str, int], count: int) -> list[str]:
    """`count` anchors in proportion to their weights (largest remainders), in a fixed order."""
    total = sum(weights.values())
    shares = {a: count * w / total for a, w in weights.items()}
    whole = {a: int(v) for a, v in shares.items()}
    for anchor in sorted(shares, key=lambda a: (whole[a] - shares[a], a))[: count - sum(whole.values())]:
        whole[anchor] += 1
    return [a for a in weights for _ in range(whole[a])]


def department(fleet: Fleet, district: str) -> str:
    if isinstance(fleet.department, str):
        return fleet.department
    return fleet.department.get(district, fleet.department["440700"])


def build_rows() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    placer = Placer(rng)
    rows: list[dict[str, Any]] = []
    serials: dict[str, int] = {}
    for fleet in FLEETS:
        spots: list[tuple[str | None, dict[str, Any] | None]]
        if fleet.count == 0:  # one per district (and the city) at its seat, or one for the city
            codes = [c for c in SEATS if c != "440700"] + ["440700"] if "{district}" in fleet.id_format else ["440700"]
            spots = [(c, placer.at(*SEATS[c], shared=True)) for c in codes]
        else:
            spots = [(None, placer.draw(anchor)) for anchor in allot(fleet.anchors, fleet.count)]
        for code, spot in spots:
            assert spot is not None
            district = code or spot["district_code"]
            serials[fleet.adapter] = n = serials.get(fleet.adapter, 0) + 1
            names = {"district": district, "d2": district[-2:], "n": n,
                     "district_name": DISTRICT_NAMES.get(district, "江门市")}
            rows.append({
                "device_id": fleet.id_format.format(**names), "kind": fleet.kind,
                "name": fleet.name_format.format(**names), "adapter": fleet.adapter,
                **spot, "lon": f"{spot['lon']:.6f}", "lat": f"{spot['lat']:.6f}",
                "department": department(fleet, district), "reports": fleet.reports,
                "meta": json.dumps(meta_for(fleet, n, rng), ensure_ascii=False, sort_keys=True),
            })
    ids = [r["device_id"] for r in rows]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate device ids: {sorted(duplicates)[:5]}")
    return sorted(rows, key=lambda r: (r["adapter"], r["device_id"]))


def render(rows: list[dict[str, Any]], columns: tuple[str, ...] = COLUMNS) -> str:
    """The rows as CSV text in `columns`' order, a missing value empty: the built registries' one file format."""
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: row.get(k, "") for k in columns} for row in rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build_device_registry", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = build_rows()
    args.out.write_text(render(rows), encoding="utf-8")
    placed = sum(1 for r in rows if r["address_id"])
    print(f"{len(rows)} devices, {placed} at standard addresses → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

