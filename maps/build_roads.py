"""Build the city's road graph: ``maps/data/roads.npz`` (``python -m maps.build_roads``).

Generated from the standard address library, like the library itself:

* **library roads** — each road of the library is straight; its centre line is the principal axis
  of its house points, cut where the houses stop for more than ``GAP_KM`` (the road leaves the
  town's built-up area there). A road through its town seat is a ``trunk``; a road shorter than
  ``STREET_KM`` is a community ``street`` or lane; the rest are ``road``.
* **junctions** — where two centre lines cross, both get a shared node; every piece also gets a
  node at least every ``NODE_STEP_KM`` so that each house is near one.
* **village roads** — each village's centre to the nearest node of a library road, and to its
  nearest neighbouring villages within ``VILLAGE_LINK_KM``.
* **highways** — between town seats, along the edges of the seats' Delaunay triangulation shorter
  than ``HIGHWAY_KM``; one whose midpoint lies outside the city (over the sea) is a ``ferry``.
* **connectors** — any piece still apart from the rest is tied by its closest node to it.

Edges carry a length in metres and a road class; speeds by class are a rule the city sets
(``hub/data/road_speeds.yaml``), applied when the hub loads the graph. Deterministic: the same
library gives the same bytes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay, cKDTree

from hub.geo.index import GridIndex
from hub.geo.lattice import KM_PER_DEG_LAT, KM_PER_DEG_LON

DATA = Path(__file__).resolve().parent / "data"
CLASSES = ("trunk", "road", "street", "village", "highway", "ferry", "connector")
GAP_KM = 0.25
STREET_KM = 0.45
NODE_STEP_KM = 0.2
VILLAGE_LINK_KM = 3.0
HIGHWAY_KM = 35.0
SEAT_KM = 0.05
Arr = NDArray[Any]


class _Graph:
    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.edges: list[tuple[int, int, int, int]] = []  # from, to, class, place (-1: none)

    def node(self, x: float, y: float) -> int:
        self.xy.append((x, y))
        return len(self.xy) - 1

    def edge(self, a: int, b: int, cls: str, place: int = -1) -> None:
        if a != b:
            self.edges.append((min(a, b), max(a, b), CLASSES.index(cls), place))


def _pieces(pts: Arr) -> list[tuple[Arr, Arr, float, float]]:
    """(origin, direction, t0, t1) of each run of a straight road's houses, in km."""
    mean = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - mean, full_matrices=False)
    d = vt[0] if (vt[0][0], vt[0][1]) > (0, 0) else -vt[0]
    t = np.sort((pts - mean) @ d)
    cuts = np.flatnonzero(np.diff(t) > GAP_KM)
    starts, ends = np.r_[0, cuts + 1], np.r_[cuts, len(t) - 1]
    return [(mean, d, float(t[s]) - 0.02, float(t[e]) + 0.02) for s, e in zip(starts, ends, strict=True)]


def _library_roads(g: _Graph, z: Any, seats_km: Arr, place_town: Arr) -> None:
    place, building = z["place"], z["building"]
    kinds = z["place_kind"]
    xy = np.column_stack([z["lon_e6"] / 1e6 * KM_PER_DEG_LON, z["lat_e6"] / 1e6 * KM_PER_DEG_LAT])
    order = np.argsort(place, kind="stable")
    bounds = np.searchsorted(place[order], np.arange(len(kinds) + 1))
    segs: list[tuple[int, Arr, Arr, float, float, str]] = []
    for p in range(len(kinds)):
        if kinds[p] != "road":
            continue
        rows = order[bounds[p]:bounds[p + 1]]
        pts = xy[rows[building[rows] == 0]]
        seat = seats_km[place_town[p]]
        for mean, d, t0, t1 in _pieces(pts):
            off = seat - mean
            through_seat = abs(off[0] * d[1] - off[1] * d[0]) < SEAT_KM and t0 - 0.1 <= off @ d <= t1 + 0.1
            cls = "trunk" if through_seat else ("street" if t1 - t0 < STREET_KM else "road")
            segs.append((p, mean, d, t0, t1, cls))
    lines = shapely.linestrings([[m + t0 * d, m + t1 * d] for _, m, d, t0, t1, _ in segs])
    left, right = shapely.STRtree(lines).query(lines, predicate="intersects")
    stops: list[list[tuple[float, int]]] = [[] for _ in segs]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        hit = shapely.intersection(lines[i], lines[j])
        if shapely.get_type_id(hit) != 0:  # collinear overlaps are not junctions
            continue
        x, y = shapely.get_x(hit), shapely.get_y(hit)
        n = g.node(float(x), float(y))
        for k in (i, j):
            _, m, d, _, _, _ = segs[k]
            stops[k].append((float((np.array([x, y]) - m) @ d), n))
    for k, (p, m, d, t0, t1, cls) in enumerate(segs):
        ts = sorted(stops[k] + [(t0, -1), (t1, -1)])
        chain: list[int] = []
        last_t = None
        for t, n in ts:
            if last_t is not None:
                extra = int(np.ceil((t - last_t) / NODE_STEP_KM)) - 1
                for e in range(1, extra + 1):
                    u = last_t + (t - last_t) * e / (extra + 1)
                    chain.append(g.node(*(m + u * d)))
            chain.append(n if n >= 0 else g.node(*(m + t * d)))
            last_t = t
        for a, b in itertools.pairwise(chain):
            g.edge(a, b, cls, p)


def _villages(g: _Graph, z: Any, road_nodes: int) -> None:
    place, kinds = z["place"], z["place_kind"]
    xy = np.column_stack([z["lon_e6"] / 1e6 * KM_PER_DEG_LON, z["lat_e6"] / 1e6 * KM_PER_DEG_LAT])
    villages = [p for p in range(len(kinds)) if kinds[p] == "village"]
    sums = np.zeros((len(kinds), 2))
    np.add.at(sums, place, xy)
    counts = np.bincount(place, minlength=len(kinds))
    centres = sums[villages] / counts[villages][:, None]
    ids = [g.node(float(x), float(y)) for x, y in centres]
    _, near = cKDTree(np.array(g.xy[:road_nodes])).query(centres)
    for v, n, p in zip(ids, near.tolist(), villages, strict=True):
        g.edge(v, int(n), "village", p)
    dist, idx = cKDTree(centres).query(centres, k=3)
    for a in range(len(villages)):
        for dd, b in zip(dist[a][1:].tolist(), idx[a][1:].tolist(), strict=True):
            if dd <= VILLAGE_LINK_KM:
                g.edge(ids[a], ids[int(b)], "village", villages[a])


def _highways(g: _Graph, seats_km: Arr, index: GridIndex) -> None:
    nodes = np.array(g.xy)
    _, near = cKDTree(nodes).query(seats_km)
    tri = Delaunay(seats_km)
    pairs = {tuple(sorted((int(s[i]), int(s[(i + 1) % 3])))) for s in tri.simplices for i in range(3)}
    for a, b in sorted(pairs):
        if np.hypot(*(seats_km[a] - seats_km[b])) > HIGHWAY_KM:
            continue
        mid = (seats_km[a] + seats_km[b]) / 2
        inside = index.cell_ids(np.array([mid[0] / KM_PER_DEG_LON]), np.array([mid[1] / KM_PER_DEG_LAT]))[0] >= 0
        g.edge(int(near[a]), int(near[b]), "highway" if inside else "ferry")


def _connect(g: _Graph) -> None:
    """Tie every component to the largest by its closest node pair, until one remains."""
    while True:
        e = np.array(g.edges)
        n = len(g.xy)
        m = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
        count, label = connected_components(m, directed=False)
        if count == 1:
            return
        main = int(np.argmax(np.bincount(label)))
        xy = np.array(g.xy)
        tree = cKDTree(xy[label == main])
        main_ids = np.flatnonzero(label == main)
        for c in range(count):
            if c == main:
                continue
            mine = np.flatnonzero(label == c)
            dist, idx = tree.query(xy[mine])
            best = int(np.argmin(dist))
            g.edge(int(mine[best]), int(main_ids[idx[best]]), "connector")


def build_roads(data: Path = DATA) -> dict[str, int]:
    admin = json.loads((data / "admin.json").read_text(encoding="utf-8"))
    seats_km = np.array([[t["seat"][0] * KM_PER_DEG_LON, t["seat"][1] * KM_PER_DEG_LAT] for t in admin["towns"]])
    g = _Graph()
    with np.load(data / "addresses.npz") as z:
        zz = {k: z[k] for k in z.files}
    _library_roads(g, zz, seats_km, zz["place_town"])
    road_nodes = len(g.xy)
    _villages(g, zz, road_nodes)
    _highways(g, seats_km, GridIndex(data / "grid.npz"))
    _connect(g)
    xy = np.array(g.xy)
    e = np.unique(np.array(g.edges, dtype=np.int64), axis=0)
    e = e[np.unique(e[:, :2], axis=0, return_index=True)[1]]  # one edge per node pair: the first class
    length_m = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T) * 1000.0
    np.savez_compressed(
        data / "roads.npz",
        node_lon_e6=np.round(xy[:, 0] / KM_PER_DEG_LON * 1e6).astype(np.int32),
        node_lat_e6=np.round(xy[:, 1] / KM_PER_DEG_LAT * 1e6).astype(np.int32),
        edge_from=e[:, 0].astype(np.int32), edge_to=e[:, 1].astype(np.int32),
        edge_class=e[:, 2].astype(np.int8), edge_place=e[:, 3].astype(np.int32),
        edge_length_m=np.maximum(np.round(length_m, 1), 0.1).astype(np.float32),
        class_names=np.array(CLASSES), place_name=zz["place_name"],
    )
    counts = np.bincount(e[:, 2], minlength=len(CLASSES))
    return {"nodes": len(xy), "edges": len(e)} | {c: int(k) for c, k in zip(CLASSES, counts, strict=True)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build_roads", description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    print(json.dumps(build_roads(args.data), ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
