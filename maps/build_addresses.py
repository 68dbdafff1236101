"""The standard address library: house numbers along generated roads, and village houses.

Generated, deterministically, inside the (derived) towns and communities; see
``address_layout.py`` for the geometry and ``road_names.py`` for the names. Each address
gets its grid cell from the same locate index the hub uses, so the two always agree. An
address id is its community's 12-digit code and a 5-digit serial within the community.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hub.geo.index import GridIndex
from hub.geo.lattice import to_km
from maps.address_layout import Line, town_lines, village_houses
from maps.build_grid import CORE_TOWNS
from maps.road_names import LANE_ORDINALS, LANE_SUFFIX, STREET_SUFFIX, TRUNK_SUFFIX, NameBook, stem_of

Arr = NDArray[Any]


def _h(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


class _Builder:
    def __init__(self, out: Path) -> None:
        self.admin = json.loads((out / "admin.json").read_text(encoding="utf-8"))
        self.index = GridIndex(out / "grid.npz")
        with np.load(out / "grid.npz") as z:
            self.cell_comm = z["cell_community"].astype(np.int64)
            self.cell_lon, self.cell_lat, self.cell_area = z["cell_lon"], z["cell_lat"], z["cell_area_km2"]
        self.towns = self.admin["towns"]
        self.comms = self.admin["communities"]
        t_index = {t["code"]: i for i, t in enumerate(self.towns)}
        self.comm_town = np.array([t_index[c["town_code"]] for c in self.comms])
        self.comm_urban = np.array([c["kind"] == "urban" for c in self.comms])
        self.book = NameBook({c["short_name"] for c in self.comms})
        self.places: list[tuple[str, str, int]] = []
        self.chunks: list[dict[str, Arr]] = []

    def where(self, lon: Arr, lat: Arr) -> tuple[Arr, Arr, Arr]:
        cell = self.index.cell_ids(lon, lat)
        comm = np.where(cell >= 0, self.cell_comm[np.maximum(cell, 0)], -1)
        town = np.where(comm >= 0, self.comm_town[np.maximum(comm, 0)], -1)
        return cell, comm, town

    def add(self, name: str, kind: str, town: int, lon: Arr, lat: Arr, number: Arr, building: Arr,
            cell: Arr, comm: Arr) -> None:
        self.places.append((name, kind, town))
        self.chunks.append({"place": np.full(len(lon), len(self.places) - 1), "number": number,
                            "building": building, "lon": lon, "lat": lat, "cell": cell, "comm": comm})

    def community_center(self, ci: int) -> tuple[float, float]:
        mine = np.flatnonzero(self.cell_comm == ci)
        w = self.cell_area[mine]
        mx, my = np.average(self.cell_lon[mine], weights=w), np.average(self.cell_lat[mine], weights=w)
        best = mine[np.argmin((self.cell_lon[mine] - mx) ** 2 + (self.cell_lat[mine] - my) ** 2)]
        return float(self.cell_lon[best]), float(self.cell_lat[best])

    # roads of a town -------------------------------------------------------------
    def town_roads(self, ti: int) -> None:
        town = self.towns[ti]
        seat = (town["seat"][0], town["seat"][1])
        street, core = town["name"].endswith("街道"), town["code"] in CORE_TOWNS
        mine = np.flatnonzero(self.comm_town[self.cell_comm] == ti)
        d = np.hypot(*(to_km(self.cell_lon[mine], self.cell_lat[mine]) - to_km([seat[0]], [seat[1]])).T)
        extent = min(float(d.max()) + 0.8, 25.0)
        urban_r = 3.0 if street else 0.9
        step = 0.02 if core else (0.026 if street else 0.032)
        angle = float(_h(town["code"]) % 31 - 15)
        stems = [stem_of(self.comms[c]["short_name"]) for c in
                 sorted(set(self.cell_comm[mine].tolist()), key=lambda c: (not self.comm_urban[c], c))]
        tstem = stem_of(town["name"])
        for kind, line, dist in sorted(town_lines(seat, extent, 0.45 if street else 0.4, angle),
                                       key=lambda x: (x[2], x[0], x[1].origin)):
            trunk = dist == 0.0
            lon, lat, number = line.houses(step * (3 if trunk and not street else 1))
            cell, comm, tw = self.where(lon, lat)
            near = np.hypot(*(to_km(lon, lat) - to_km([seat[0]], [seat[1]])).T) < urban_r
            keep = (tw == ti) & (trunk | near | self.comm_urban[np.maximum(comm, 0)])
            if keep.sum() < 10:
                continue
            if trunk and kind == "ew":
                name = self.book.road([tstem], TRUNK_SUFFIX)
            elif trunk:
                name = self.book.road([tstem, *stems])
            else:
                name = self.book.road(stems)
            number = number - 2 * int((number[keep].min() - 1) // 2)
            building = np.zeros(len(lon), dtype=np.int64)
            self.add(name, "road", ti, lon[keep], lat[keep], number[keep], building[keep], cell[keep], comm[keep])
            if core and not trunk:
                self.buildings(ti, lon[keep], lat[keep], number[keep])

    def buildings(self, ti: int, lon: Arr, lat: Arr, number: Arr) -> None:
        """Estates behind some house numbers in the core: n号1栋 … n号k栋."""
        pick = np.flatnonzero(number % 10 == 8)
        lons, lats, nums, blds = [], [], [], []
        for i in pick:
            for b in range(1, 3 + int(number[i]) % 5):
                lons.append(round(float(lon[i]) + 0.00012 * b, 6))
                lats.append(round(float(lat[i]) - 0.00009 * ((b % 3) + 1), 6))
                nums.append(number[i])
                blds.append(b)
        if not lons:
            return
        lo, la = np.array(lons), np.array(lats)
        cell, comm, tw = self.where(lo, la)
        ok = tw == ti
        place = len(self.places) - 1  # the road just added
        self.chunks.append({"place": np.full(int(ok.sum()), place), "number": np.array(nums)[ok],
                            "building": np.array(blds)[ok], "lon": lo[ok], "lat": la[ok],
                            "cell": cell[ok], "comm": comm[ok]})

    # streets and lanes of urban communities, houses of villages -------------------
    def community_places(self, ci: int) -> None:
        c = self.comms[ci]
        center = self.community_center(ci)
        angle = float(_h(c["code"]) % 41 - 20)
        ti = int(self.comm_town[ci])
        if c["kind"] == "urban":
            stem = stem_of(c["short_name"])
            specs = [(stem + STREET_SUFFIX, Line(center, angle, 0.2))]
            for k, off in enumerate((-0.09, 0.09)):
                origin = (center[0] + off / 102.85, center[1])
                specs.append((stem + LANE_ORDINALS[k] + LANE_SUFFIX, Line(origin, angle - 90.0, 0.1)))
            for name, line in specs:
                lon, lat, number = line.houses(0.008)
                cell, comm, _ = self.where(lon, lat)
                keep = comm == ci
                if keep.sum() >= 4 and self.book.claim(name) is not None:
                    number = number - 2 * int((number[keep].min() - 1) // 2)
                    self.add(name, "road", ti, lon[keep], lat[keep], number[keep],
                             np.zeros(int(keep.sum()), dtype=np.int64), cell[keep], comm[keep])
            return
        count = 90 + _h(c["code"]) % 140
        lon, lat = village_houses(center, count, 0.03, angle)
        cell, comm, _ = self.where(lon, lat)
        keep = np.flatnonzero(comm == ci)[:count]
        if len(keep) == 0:
            keep = np.array([0])
            lon[0], lat[0] = round(center[0], 6), round(center[1], 6)
            cell[0], comm[0] = self.where(lon[:1], lat[:1])[0][0], ci
        self.add(c["short_name"], "village", ti, lon[keep], lat[keep], np.arange(1, len(keep) + 1),
                 np.zeros(len(keep), dtype=np.int64), cell[keep], comm[keep])


def build_addresses(out: Path) -> int:
    b = _Builder(out)
    for ti in range(len(b.towns)):
        b.town_roads(ti)
    for ci in range(len(b.comms)):
        b.community_places(ci)
    cols = {k: np.concatenate([ch[k] for ch in b.chunks]) for k in b.chunks[0]}
    order = np.lexsort((cols["building"], cols["number"], cols["place"], cols["comm"]))
    cols = {k: v[order] for k, v in cols.items()}
    first = np.r_[True, cols["comm"][1:] != cols["comm"][:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    serial = np.arange(len(order)) - start + 1
    final = np.lexsort((cols["building"], cols["number"], cols["place"]))
    comm, serial = cols["comm"][final], serial[final]
    np.savez_compressed(
        out / "addresses.npz",
        place_name=np.array([p[0] for p in b.places]), place_kind=np.array([p[1] for p in b.places]),
        place_town=np.array([p[2] for p in b.places], dtype=np.int32),
        place=cols["place"][final].astype(np.int32), number=cols["number"][final].astype(np.int32),
        building=cols["building"][final].astype(np.int16),
        lon_e6=np.round(cols["lon"][final] * 1e6).astype(np.int32),
        lat_e6=np.round(cols["lat"][final] * 1e6).astype(np.int32),
        cell=cols["cell"][final].astype(np.int32), community=comm.astype(np.int32),
        serial=serial.astype(np.int32), by_id=np.lexsort((serial, comm)).astype(np.int32),
    )
    return len(order)
