"""The standard address library (标准地址库) loaded from ``addresses.npz``."""

from __future__ import annotations

import bisect
import functools
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from hub.geo.crs import distance_m
from hub.geo.lattice import KM_PER_DEG_LAT, Lattice
from hub.geo.units import Units

CITY = "江门市"
SERIALS = 100_000  # an address id is a 12-digit community code and a 5-digit serial
LON_SCALE = 0.9239  # cos 22.5°: Jiangmen's metres per degree of longitude over those of latitude


class AddressLibrary:
    """Rows sorted by (road or village, house number, building)."""

    def __init__(self, path: Path, units: Units, cell_codes: NDArray[np.str_], lattice: Lattice) -> None:
        with np.load(path) as z:
            self.place_name: list[str] = z["place_name"].tolist()
            self.place_kind: list[str] = z["place_kind"].tolist()
            self.place_town: NDArray[np.int32] = z["place_town"]
            self.place: NDArray[np.int32] = z["place"]
            self.number: NDArray[np.int32] = z["number"]
            self.building: NDArray[np.int16] = z["building"]
            self.lon: NDArray[np.float64] = z["lon_e6"] / 1e6
            self.lat: NDArray[np.float64] = z["lat_e6"] / 1e6
            self.cell: NDArray[np.int32] = z["cell"]
            self.community: NDArray[np.int32] = z["community"]
            self.serial: NDArray[np.int32] = z["serial"]
            self._by_id: NDArray[np.int32] = z["by_id"]
        self.units = units
        self.cell_codes = cell_codes
        self.lattice = lattice
        self.keys = self._key(self.place.astype(np.int64), self.number, self.building)
        self._comm_codes = [c["code"] for c in units.communities]
        self._comm_index = {code: i for i, code in enumerate(self._comm_codes)}
        self._texts: list[str] | None = None

    @staticmethod
    def _key(place: Any, number: Any, building: Any) -> Any:
        return (np.asarray(place, dtype=np.int64) << 32) | (np.asarray(number, dtype=np.int64) << 12) | building

    def __len__(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def _key_list(self) -> list[int]:
        return self.keys.tolist()  # bisect on a list beats numpy's per-call overhead

    @functools.cached_property
    def town_index_of_place(self) -> list[int]:
        return self.place_town.tolist()

    def find(self, place: int, number: int, building: int = 0) -> int:
        """Row of (place, house number, building), or -1."""
        if not (0 < number < 1 << 20 and 0 <= building < 1 << 12):
            return -1
        key = (place << 32) | (number << 12) | building
        keys = self._key_list
        i = bisect.bisect_left(keys, key)
        return i if i < len(keys) and keys[i] == key else -1

    def warm(self) -> None:
        """Build the lookup tables that are otherwise built on first use."""
        _ = self._key_list, self.town_index_of_place, self._id_keys, self._buckets, self._point_tree

    @functools.cached_property
    def _point_tree(self) -> shapely.STRtree:
        return shapely.STRtree(shapely.points(self.lon * LON_SCALE, self.lat))

    def nearest_many(self, lons: NDArray[np.float64],
                     lats: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Rows of the nearest addresses of many points and their distances in metres, in one query
        (an STRtree on longitudes scaled by cos 22.5°, so a degree counts about the same either way)."""
        rows = self._point_tree.query_nearest(shapely.points(lons * LON_SCALE, lats), all_matches=False)[1]
        return rows.astype(np.int64), distance_m(lons, lats, self.lon[rows], self.lat[rows])

    def id_of(self, i: int) -> str:
        return f"{self._comm_codes[int(self.community[i])]}{int(self.serial[i]):05d}"

    @functools.cached_property
    def ids(self) -> NDArray[np.str_]:
        """Every id, in row order (built on first use)."""
        codes = np.array(self._comm_codes)[self.community]
        return np.char.add(codes, np.char.zfill(self.serial.astype(str), 5))

    @functools.cached_property
    def _id_keys(self) -> NDArray[np.int64]:
        return (self.community.astype(np.int64) * SERIALS + self.serial)[self._by_id]

    def row_of(self, address_id: str) -> int:
        comm = self._comm_index.get(address_id[:12], -1) if len(address_id) == 17 else -1
        if comm < 0 or not address_id[12:].isdigit():
            return -1
        key = comm * SERIALS + int(address_id[12:])
        pos = int(np.searchsorted(self._id_keys, key))
        return int(self._by_id[pos]) if pos < len(self._id_keys) and self._id_keys[pos] == key else -1

    def town_of(self, i: int) -> dict[str, Any]:
        return self.units.towns[int(self.place_town[self.place[i]])]

    def text(self, i: int) -> str:
        town = self.town_of(i)
        building = int(self.building[i])
        return (f"{CITY}{self.units.names[town['district_code']]}{town['name']}"
                f"{self.place_name[self.place[i]]}{int(self.number[i])}号"
                + (f"{building}栋" if building else ""))

    def texts(self) -> list[str]:
        if self._texts is None:
            self._texts = [self.text(i) for i in range(len(self))]
        return self._texts

    def located(self, i: int) -> dict[str, Any]:
        """An address's id, text, position and unit codes: `record` without its components, what a geocoding
        answer carries."""
        town = self.town_of(i)
        return {"id": self.id_of(i), "text": self.text(i), "lon": float(self.lon[i]), "lat": float(self.lat[i]),
                "grid_code": str(self.cell_codes[self.cell[i]]),
                "community_code": self.units.communities[int(self.community[i])]["code"],
                "town_code": town["code"], "district_code": town["district_code"]}

    def record(self, i: int) -> dict[str, Any]:
        """`located`, with the address's components after its text."""
        found = self.located(i)
        town = self.town_of(i)
        place = int(self.place[i])
        kind = self.place_kind[place]
        building = int(self.building[i])
        return {
            "id": found.pop("id"),
            "text": found.pop("text"),
            "components": {
                "city": CITY,
                "district": self.units.names[town["district_code"]],
                "town": town["name"],
                "community": self.units.communities[int(self.community[i])]["name"],
                "road": self.place_name[place] if kind == "road" else None,
                "village": self.place_name[place] if kind == "village" else None,
                "house_number": f"{int(self.number[i])}号",
                "building": f"{building}栋" if building else None,
            },
            **found,
        }

    # nearest: addresses bucketed by lattice pixel -----------------------------------
    @functools.cached_property
    def _buckets(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        lat_ = self.lattice
        col, row = lat_.col_row(self.lon, self.lat)
        pixel = np.clip(row, 0, lat_.height - 1) * lat_.width + np.clip(col, 0, lat_.width - 1)
        order = np.argsort(pixel, kind="stable")
        start = np.searchsorted(pixel[order], np.arange(lat_.width * lat_.height + 1))
        return order, start

    def _window(self, col: int, row: int, k: int) -> NDArray[np.int64]:
        lat_ = self.lattice
        order, start = self._buckets
        c0, c1 = max(col - k, 0), min(col + k, lat_.width - 1)
        parts = [order[start[r * lat_.width + c0]: start[r * lat_.width + c1 + 1]]
                 for r in range(max(row - k, 0), min(row + k, lat_.height - 1) + 1)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def nearest_one(self, lon: float, lat: float) -> tuple[int, float]:
        """Row of the nearest address and its distance in metres (exact, by growing windows)."""
        lat_ = self.lattice
        col, row = (int(np.clip(v, 0, n - 1)) for v, n in
                    zip(lat_.col_row(lon, lat), (lat_.width, lat_.height), strict=True))
        k = 1
        rows = self._window(col, row, k)
        while len(rows) == 0:
            k *= 2
            rows = self._window(col, row, k)
        pixel_m = lat_.dlat * KM_PER_DEG_LAT * 1000.0 * 0.99
        dist = distance_m(lon, lat, self.lon[rows], self.lat[rows])
        reach = int(np.ceil(float(dist.min()) / pixel_m)) + 1
        if reach > k:  # something closer may lie just outside the window searched
            rows = self._window(col, row, reach)
            dist = distance_m(lon, lat, self.lon[rows], self.lat[rows])
        best = int(np.argmin(dist))
        return int(rows[best]), float(dist[best])

    # listing -----------------------------------------------------------------------
    def select(self, district: str | None = None, town: str | None = None,
               q: str | None = None) -> NDArray[np.int64]:
        mask = np.ones(len(self), dtype=bool)
        if district or town:
            town_codes = np.array([t["code"] for t in self.units.towns])
            codes = town_codes[self.place_town[self.place]]
            if town:
                mask &= codes == town
            if district:
                mask &= np.char.startswith(codes, district)
        rows = np.flatnonzero(mask)
        if q:
            texts = self.texts()
            rows = np.array([i for i in rows if q in texts[i]], dtype=np.int64)
        return rows
