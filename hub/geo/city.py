"""CityGeo: Jiangmen's standard address grid loaded from ``maps/data``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from hub.geo.admin_tokens import AdminTokens
from hub.geo.batch import LocateBatch
from hub.geo.crs import to_wgs84
from hub.geo.geocoder import Geocoder
from hub.geo.index import GridIndex
from hub.geo.layers import Bbox, Layers
from hub.geo.library import AddressLibrary
from hub.geo.units import Units


def default_data_dir() -> Path:
    import maps

    return Path(maps.__file__).parent / "data"


def _with_blank(values: list[str], width: int) -> np.ndarray:
    """Code table with "" appended, so index -1 (outside the city) reads as ""."""
    return np.array([*values, ""], dtype=f"<U{width}")


class CityGeo:
    """Districts (real), towns and communities (derived), unit grid and address library."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.units = Units.load(data_dir / "admin.json")
        self.index = GridIndex(data_dir / "grid.npz")
        with np.load(data_dir / "grid.npz") as z:
            cell_codes = z["cell_code"]
            cell_comm = z["cell_community"].astype(np.int64)
        comm_codes = self.units.community_codes()
        self.cell_codes = cell_codes
        self._grid = _with_blank(cell_codes.tolist(), 15)
        self._community = _with_blank(comm_codes[cell_comm].tolist(), 12)
        self._town = _with_blank([c[:9] for c in comm_codes[cell_comm].tolist()], 9)
        self._district = _with_blank([c[:6] for c in comm_codes[cell_comm].tolist()], 6)
        self.layers = Layers(data_dir)

    @functools.cached_property
    def library(self) -> AddressLibrary:
        return AddressLibrary(self.data_dir / "addresses.npz", self.units, self.cell_codes, self.index.lattice)

    @functools.cached_property
    def geocoder(self) -> Geocoder:
        return Geocoder(self.library, AdminTokens(self.units))

    # names ---------------------------------------------------------------------------
    def name(self, code: str) -> str:
        return self.units.names.get(code, "")

    def district_name(self, code: str) -> str:
        return self.name(code)

    def town_name(self, code: str) -> str:
        return self.name(code)

    # locate --------------------------------------------------------------------------
    def cell_ids(self, lons: ArrayLike, lats: ArrayLike, crs: str = "wgs84") -> np.ndarray:
        """Cell index per point (-1 outside): the raw hot path, no strings."""
        lon, lat = to_wgs84(lons, lats, crs)
        return self.index.cell_ids(np.atleast_1d(lon), np.atleast_1d(lat))

    def locate_many(self, lons: ArrayLike, lats: ArrayLike, crs: str = "wgs84") -> LocateBatch:
        lon, lat = (np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in to_wgs84(lons, lats, crs))
        ids = self.index.cell_ids(lon, lat)
        return LocateBatch(lon, lat, self._grid[ids], self._community[ids], self._town[ids],
                           self._district[ids], names=self.name)

    def cell_units(self, cell: int) -> tuple[str, str, str, str]:
        """(grid, community, town, district) codes of a cell index of `cell_ids`; "" for -1, outside the city."""
        return str(self._grid[cell]), str(self._community[cell]), str(self._town[cell]), str(self._district[cell])

    def locate(self, lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any] | None:
        batch = self.locate_many(np.array([lon]), np.array([lat]), crs)
        if not batch.inside[0]:
            return None
        row = batch.row(0)
        row["nearest_address"] = self.nearest_address(row["lon"], row["lat"])
        return row

    # addresses -----------------------------------------------------------------------
    def nearest_address(self, lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any]:
        x, y = to_wgs84(lon, lat, crs)
        i, dist = self.library.nearest_one(float(x), float(y))
        return {"id": self.library.id_of(i), "text": self.library.text(i),
                "lon": float(self.library.lon[i]), "lat": float(self.library.lat[i]),
                "distance_m": round(dist, 1)}

    def nearest_addresses(self, lons: ArrayLike, lats: ArrayLike) -> list[tuple[str, str, float]]:
        """(id, standard text, distance in metres) of the nearest standard address of each WGS84 point."""
        lib = self.library
        rows, dist = lib.nearest_many(np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64))
        return [(lib.id_of(int(i)), lib.text(int(i)), float(d)) for i, d in zip(rows, dist, strict=True)]

    def address(self, address_id: str) -> dict[str, Any] | None:
        i = self.library.row_of(address_id)
        return self.library.record(i) if i >= 0 else None

    def addresses(self, district: str | None = None, town: str | None = None, q: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        rows = self.library.select(district, town, q)
        return [self.library.record(int(i)) for i in rows[offset: offset + limit]]

    def count_addresses(self, district: str | None = None, town: str | None = None,
                        q: str | None = None) -> int:
        return len(self.library.select(district, town, q))

    def geocode(self, text: str) -> dict[str, Any]:
        return self.geocoder.geocode(text)

    def geocode_many(self, texts: list[str]) -> list[dict[str, Any]]:
        return [self.geocoder.geocode(t) for t in texts]

    def warm(self) -> None:
        """Load now what lookups load on first use — the address library and geocoder, the boundary
        pieces of the grid index, the cells layer — so the first events a hub takes do not wait for it."""
        self.geocoder.geocode("江门市蓬江区")
        self.library.warm()
        self.index._pieces()
        self.layers.cells((0.0, 0.0, 0.0, 0.0))

    # layers --------------------------------------------------------------------------
    def districts_geojson(self) -> dict[str, Any]:
        return self.layers.districts

    def towns_geojson(self) -> dict[str, Any]:
        return self.layers.towns

    def communities_geojson(self) -> dict[str, Any]:
        return self.layers.communities

    def cells_geojson(self, bbox: Bbox | None = None) -> dict[str, Any]:
        return self.layers.cells(bbox)


@functools.cache
def load_city(data_dir: Path | str | None = None) -> CityGeo:
    return CityGeo(Path(data_dir) if data_dir else default_data_dir())
