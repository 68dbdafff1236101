"""The standard address library (标准地址库) loaded from ``addresses.npz``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from hub.geo.crs import distance_m
from hub.geo.lattice import KM_PER_DEG_LAT, KM_PER_DEG_LON
from hub.geo.units import Units

CITY = "江门市"


class AddressLibrary:
    def __init__(self, path: Path, units: Units, cell_codes: NDArray[np.str_]) -> None:
        with np.load(path) as z:
            self.place_name: list[str] = z["place_name"].tolist()
            self.place_kind: list[str] = z["place_kind"].tolist()
            self.place_town: NDArray[np.int32] = z["place_town"]
            self.ids: NDArray[np.str_] = z["id"]
            self.place: NDArray[np.int32] = z["place"]
            self.number: NDArray[np.int32] = z["number"]
            self.building: NDArray[np.int16] = z["building"]
            self.lon: NDArray[np.float64] = z["lon"]
            self.lat: NDArray[np.float64] = z["lat"]
            self.cell: NDArray[np.int32] = z["cell"]
            self.community: NDArray[np.int32] = z["community"]
        self.units = units
        self.cell_codes = cell_codes
        self.keys = self._key(self.place.astype(np.int64), self.number, self.building)
        self._by_id: dict[str, int] | None = None
        self._tree: cKDTree | None = None
        self._texts: list[str] | None = None

    @staticmethod
    def _key(place: Any, number: Any, building: Any) -> Any:
        return (np.asarray(place, dtype=np.int64) << 32) | (np.asarray(number, dtype=np.int64) << 12) | building

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, place: int, number: int, building: int = 0) -> int:
        """Row of (place, house number, building), or -1."""
        if not (0 < number < 1 << 20 and 0 <= building < 1 << 12):
            return -1
        key = self._key(place, number, building)
        i = int(np.searchsorted(self.keys, key))
        return i if i < len(self.keys) and self.keys[i] == key else -1

    def row_of(self, address_id: str) -> int:
        if self._by_id is None:
            self._by_id = {s: i for i, s in enumerate(self.ids.tolist())}
        return self._by_id.get(address_id, -1)

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

    def record(self, i: int) -> dict[str, Any]:
        town = self.town_of(i)
        place = int(self.place[i])
        kind = self.place_kind[place]
        building = int(self.building[i])
        community = self.units.communities[int(self.community[i])]
        return {
            "id": str(self.ids[i]),
            "text": self.text(i),
            "components": {
                "city": CITY,
                "district": self.units.names[town["district_code"]],
                "town": town["name"],
                "community": community["name"],
                "road": self.place_name[place] if kind == "road" else None,
                "village": self.place_name[place] if kind == "village" else None,
                "house_number": f"{int(self.number[i])}号",
                "building": f"{building}栋" if building else None,
            },
            "lon": float(self.lon[i]),
            "lat": float(self.lat[i]),
            "grid_code": str(self.cell_codes[self.cell[i]]),
            "community_code": community["code"],
            "town_code": town["code"],
            "district_code": town["district_code"],
        }

    # nearest -----------------------------------------------------------------------
    def _kdtree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(np.column_stack([self.lon * KM_PER_DEG_LON, self.lat * KM_PER_DEG_LAT]))
        return self._tree

    def nearest(self, lon: Any, lat: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Row of the nearest address and its distance in metres, per point."""
        x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        _, rows = self._kdtree().query(np.column_stack([x * KM_PER_DEG_LON, y * KM_PER_DEG_LAT]))
        rows = np.asarray(rows, dtype=np.int64)
        return rows, distance_m(x, y, self.lon[rows], self.lat[rows])

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
            rows = np.array([i for i in rows if q in texts[i] or q == self.ids[i]], dtype=np.int64)
        return rows
