"""CityGeo: the base geography of Jiangmen loaded from ``maps/data``."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import shape

from hub.geo.batch import LocateBatch
from hub.geo.crs import to_wgs84


def default_data_dir() -> Path:
    import maps

    return Path(maps.__file__).parent / "data"


class CityGeo:
    """District boundaries and lookups (grid, towns and addresses come in later steps)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._districts_doc: dict[str, Any] = json.loads(
            (data_dir / "districts.geojson").read_text(encoding="utf-8"))
        feats = self._districts_doc["features"]
        self.district_codes = [f["properties"]["code"] for f in feats]
        self._names = {f["properties"]["code"]: f["properties"]["name"] for f in feats}
        self._names["440700"] = "江门市"
        self._district_geoms = [shape(f["geometry"]) for f in feats]
        for geom in self._district_geoms:
            shapely.prepare(geom)

    # names -------------------------------------------------------------
    def name(self, code: str) -> str:
        return self._names.get(code, "")

    def district_name(self, code: str) -> str:
        return self.name(code)

    def town_name(self, code: str) -> str:
        return self.name(code)

    # lookups -----------------------------------------------------------
    def locate_many(self, lons: ArrayLike, lats: ArrayLike, crs: str = "wgs84") -> LocateBatch:
        lon, lat = (np.asarray(a, dtype=np.float64) for a in to_wgs84(lons, lats, crs))
        lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
        district = np.full(lon.shape, "", dtype="<U6")
        todo = np.ones(lon.shape, dtype=bool)
        for code, geom in zip(self.district_codes, self._district_geoms, strict=True):
            hit = todo.copy()
            hit[todo] = shapely.contains_xy(geom, lon[todo], lat[todo])
            district[hit] = code
            todo &= ~hit
        empty = np.full(lon.shape, "", dtype="<U15")
        return LocateBatch(lon, lat, empty, empty.copy(), empty.copy(), district, names=self.name)

    def locate(self, lon: float, lat: float, crs: str = "wgs84") -> dict[str, Any] | None:
        batch = self.locate_many(np.array([lon]), np.array([lat]), crs)
        if not batch.inside[0]:
            return None
        row = batch.row(0)
        row["nearest_address"] = None
        return row

    # layers ------------------------------------------------------------
    def districts_geojson(self) -> dict[str, Any]:
        return self._districts_doc


@functools.cache
def load_city(data_dir: Path | str | None = None) -> CityGeo:
    return CityGeo(Path(data_dir) if data_dir else default_data_dir())
