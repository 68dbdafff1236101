"""The unit grid: lattice blocks cut by community regions, with 15-digit codes.

A cell is the part of one community inside one lattice block: a fine block (one lattice
pixel, ~154 m × 150 m) in the urban core, a coarse block (8 × 8 pixels, ~1.2 km) elsewhere.
Pieces smaller than a quarter of their block join the neighbouring cell of the same
community they touch most. Serials run west→east along each row, rows north→south.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hub.geo.lattice import Lattice, to_km
from maps.admin import Community, Town
from maps.build_units import DistrictPixels

CORE_TOWNS = {"440703002", "440703006", "440704001", "440704004", "440704005", "440705001"}
CORE_CENTER = (113.075, 22.572)
CORE_RADIUS_KM = 6.6
TINY_SHARE = 0.25
MAX_SERIAL = 999


@dataclass
class Grid:
    cell_of: dict[str, NDArray[np.int64]]  # district code → cell index per district pixel
    community: NDArray[np.int64]  # per cell
    fine: NDArray[np.bool_]  # per cell
    codes: list[str]  # per cell, 15 digits
    core_blocks: NDArray[np.bool_]  # (height/block, width/block)


def core_blocks(lattice: Lattice, dps: dict[str, DistrictPixels], towns: list[Town]) -> NDArray[np.bool_]:
    b = lattice.block
    town_at = np.full((lattice.height, lattice.width), -1, dtype=np.int64)
    for dp in dps.values():
        town_at[dp.rows, dp.cols] = dp.town
    rows, cols = np.mgrid[0:lattice.height // b, 0:lattice.width // b]
    mid_r, mid_c = rows * b + b // 2, cols * b + b // 2
    town = town_at[mid_r, mid_c]
    in_core_town = np.isin(town, [i for i, t in enumerate(towns) if t.code in CORE_TOWNS])
    lon, lat = lattice.center(mid_c.ravel(), mid_r.ravel())
    d = np.hypot(*(to_km(lon, lat) - to_km([CORE_CENTER[0]], [CORE_CENTER[1]])).T).reshape(town.shape)
    return in_core_town & (d <= CORE_RADIUS_KM)


def _keys(dp: DistrictPixels, core: NDArray[np.bool_], b: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    fine = core[dp.rows // b, dp.cols // b]
    r = np.where(fine, dp.rows, dp.rows // b)
    c = np.where(fine, dp.cols, dp.cols // b)
    return (dp.community << 32) | (fine.astype(np.int64) << 31) | (r << 12) | c, fine


def _merge_tiny(dp: DistrictPixels, cell: NDArray[np.int64], nominal: NDArray[np.float64],
                lattice: Lattice) -> NDArray[np.int64]:
    """Relabel cells under TINY_SHARE of their block to a touching cell of the same community."""
    raster = np.full((lattice.height, lattice.width), -1, dtype=np.int64)
    raster[dp.rows, dp.cols] = cell
    comm_of = dict(zip(cell.tolist(), dp.community.tolist(), strict=False))
    area = np.bincount(cell, weights=dp.area_km2)
    for cid in np.unique(cell):
        if area[cid] >= TINY_SHARE * nominal[cid]:
            continue
        mine = cell == cid
        neighbours: list[int] = []
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            rr = np.clip(dp.rows[mine] + dr, 0, lattice.height - 1)
            cc = np.clip(dp.cols[mine] + dc, 0, lattice.width - 1)
            neighbours.extend(int(v) for v in raster[rr, cc] if v not in (-1, cid))
        same = [n for n in neighbours if comm_of.get(n) == comm_of[int(cid)]]
        if same:
            target = max(sorted(set(same)), key=same.count)
            cell[mine] = target
            raster[dp.rows[mine], dp.cols[mine]] = target
            area[target] += area[cid]
            area[cid] = 0.0
    return cell


def build_grid(lattice: Lattice, dps: dict[str, DistrictPixels], towns: list[Town],
               communities: list[Community]) -> Grid:
    core = core_blocks(lattice, dps, towns)
    b = lattice.block
    keys = {code: _keys(dp, core, b) for code, dp in dps.items()}
    all_keys = np.concatenate([k for k, _ in keys.values()])
    uniq = np.unique(all_keys)
    fine_u = ((uniq >> 31) & 1).astype(bool)
    nominal = np.where(fine_u, lattice.pixel_km2, lattice.pixel_km2 * b * b)
    cell_of: dict[str, NDArray[np.int64]] = {}
    for code, dp in dps.items():
        cell = np.searchsorted(uniq, keys[code][0])
        cell_of[code] = _merge_tiny(dp, cell, nominal, lattice)
    used = np.unique(np.concatenate(list(cell_of.values())))
    # serial order: community, then row (north→south), then column (west→east) of the centroid
    rows_sum = np.zeros(len(uniq))
    cols_sum = np.zeros(len(uniq))
    weight = np.zeros(len(uniq))
    for code, dp in dps.items():
        cid = cell_of[code]
        rows_sum += np.bincount(cid, weights=dp.rows * dp.area_km2, minlength=len(uniq))
        cols_sum += np.bincount(cid, weights=dp.cols * dp.area_km2, minlength=len(uniq))
        weight += np.bincount(cid, weights=dp.area_km2, minlength=len(uniq))
    comm = (uniq >> 32).astype(np.int64)
    mean_r = rows_sum[used] / weight[used]
    mean_c = cols_sum[used] / weight[used]
    order = np.lexsort((mean_c, np.floor(mean_r), comm[used]))
    ordered = used[order]
    remap = np.full(len(uniq), -1, dtype=np.int64)
    remap[ordered] = np.arange(len(ordered))
    codes: list[str] = []
    serial: dict[int, int] = {}
    for old in ordered:
        c = int(comm[old])
        serial[c] = serial.get(c, 0) + 1
        if serial[c] > MAX_SERIAL:
            raise ValueError(f"community {communities[c].code} needs more than {MAX_SERIAL} cells")
        codes.append(f"{communities[c].code}{serial[c]:03d}")
    return Grid(
        cell_of={code: remap[cell] for code, cell in cell_of.items()},
        community=comm[ordered], fine=fine_u[ordered], codes=codes, core_blocks=core,
    )
