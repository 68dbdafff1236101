"""The city's road graph and travel times on it (``maps/data/roads.npz``, speeds ``hub/data/road_speeds.yaml``).

Travel time is always a shortest path over road edges, each at its class's speed
(``scipy.sparse.csgraph.dijkstra``). A point that is not a node (an address, a unit) reaches the
graph by an ``access`` stub to its nearest node, timed at the access speed; that stub is the
only stretch not on a road, and it is short (every standard address lies near a node —
``tests/command/test_city_graph.py``).
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from hub.geo.lattice import KM_PER_DEG_LAT, KM_PER_DEG_LON

SPEEDS = Path(__file__).resolve().parent.parent / "data" / "road_speeds.yaml"
CACHED_TREES = 256  # shortest-path trees kept per graph (one per incident place: incidents do not move)


class RoadError(ValueError):
    """A road graph or speed table that cannot be used, with the reason."""


def load_speeds(path: Path = SPEEDS) -> dict[str, float]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not all(isinstance(v, int | float) and v > 0 for v in raw.values()):
        raise RoadError(f"{path}: every road class needs a positive speed in km/h")
    return {str(k): float(v) for k, v in raw.items()}


@dataclass(frozen=True, slots=True)
class Route:
    seconds: float
    metres: float
    coords: list[tuple[float, float]]  # lon, lat from origin to destination
    roads: list[str]  # names of the library roads passed, in order

    def geojson(self) -> dict[str, Any]:
        return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coords]},
                "properties": {"seconds": round(self.seconds, 1), "metres": round(self.metres, 1),
                               "roads": self.roads}}


@dataclass(frozen=True, slots=True)
class Tree:
    """Shortest travel times from every node to one node (the graph is undirected), and the way there."""

    node: int
    seconds: NDArray[np.float64]
    toward: NDArray[np.int32]  # next node on the way to `node`; -9999 at `node` and where unreachable


class RoadGraph:
    def __init__(self, lon: NDArray[np.float64], lat: NDArray[np.float64], a: NDArray[np.int64], b: NDArray[np.int64],
                 length_m: NDArray[np.float64], cls: list[str], speeds: dict[str, float],
                 place: NDArray[np.int64] | None = None, place_names: list[str] | None = None) -> None:
        missing = sorted(set(cls) - set(speeds) | ({"access"} - set(speeds)))
        if missing:
            raise RoadError(f"no speed for road classes {missing}")
        self.lon, self.lat = lon, lat
        n = len(lon)
        kmh = np.array([speeds[c] for c in cls])
        seconds = np.asarray(length_m, dtype=np.float64) / (kmh / 3.6)
        rows, cols = np.r_[a, b], np.r_[b, a]
        self.time = csr_matrix((np.r_[seconds, seconds], (rows, cols)), shape=(n, n))
        places = (place if place is not None else np.full(len(a), -1)).tolist()
        self._edges: dict[tuple[int, int], tuple[float, int]] = {}  # (from, to) → metres, library place or -1
        for x, y, m, p in zip(a.tolist(), b.tolist(), np.asarray(length_m, dtype=np.float64).tolist(), places,
                              strict=True):
            self._edges[(x, y)] = self._edges[(y, x)] = (m, p)
        self.place_names = place_names or []
        self.access_mps = speeds["access"] / 3.6
        self._kd = cKDTree(np.column_stack([lon * KM_PER_DEG_LON, lat * KM_PER_DEG_LAT]))
        self._trees: OrderedDict[int, Tree] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path, speeds: dict[str, float] | None = None) -> RoadGraph:
        with np.load(path) as z:
            names = z["class_names"].tolist()
            return cls(z["node_lon_e6"] / 1e6, z["node_lat_e6"] / 1e6, z["edge_from"].astype(np.int64),
                       z["edge_to"].astype(np.int64), z["edge_length_m"].astype(np.float64),
                       [names[c] for c in z["edge_class"]], speeds or load_speeds(),
                       z["edge_place"].astype(np.int64), z["place_name"].tolist())

    def __len__(self) -> int:
        return len(self.lon)

    # places on the graph ------------------------------------------------------------
    def snap(self, lon: float, lat: float) -> tuple[int, float]:
        """Nearest node and the access stub's length in metres."""
        d, i = self._kd.query([lon * KM_PER_DEG_LON, lat * KM_PER_DEG_LAT])
        return int(i), float(d) * 1000.0

    def snap_many(self, lons: NDArray[np.float64],
                  lats: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        d, i = self._kd.query(np.column_stack([lons * KM_PER_DEG_LON, lats * KM_PER_DEG_LAT]))
        return np.asarray(i, dtype=np.int64), np.asarray(d) * 1000.0

    # trees and routes ---------------------------------------------------------------
    def tree(self, node: int) -> Tree:
        """Shortest times from every node to `node`, kept for the most recently asked nodes."""
        with self._lock:
            hit = self._trees.get(node)
            if hit is not None:
                self._trees.move_to_end(node)
                return hit
        seconds, toward = dijkstra(self.time, directed=False, indices=node, return_predecessors=True)
        tree = Tree(node, seconds, toward.astype(np.int32))
        with self._lock:
            self._trees[node] = tree
            while len(self._trees) > CACHED_TREES:
                self._trees.popitem(last=False)
        return tree

    def path(self, tree: Tree, start: int) -> list[int]:
        """Nodes from `start` to the tree's node; empty when unreachable."""
        if not np.isfinite(tree.seconds[start]):
            return []
        out = [start]
        while out[-1] != tree.node:
            out.append(int(tree.toward[out[-1]]))
        return out

    def route_on(self, tree: Tree, lon: float, lat: float, dest: tuple[float, float] | None = None,
                 dest_stub_m: float | None = None) -> Route | None:
        """The route from (lon, lat) to the tree's node (and on to `dest`, the point that node stands for,
        `dest_stub_m` away from it when the caller knows)."""
        start, stub = self.snap(lon, lat)
        nodes = self.path(tree, start)
        if not nodes:
            return None
        end_stub = 0.0
        xs, ys = np.round(self.lon[nodes], 6).tolist(), np.round(self.lat[nodes], 6).tolist()
        coords = [(lon, lat), *zip(xs, ys, strict=True)]
        if dest is not None:
            end_stub = dest_stub_m if dest_stub_m is not None else self.snap(*dest)[1]
            coords.append(dest)
        metres = 0.0
        roads: list[str] = []
        for x, y in itertools.pairwise(nodes):
            m, p = self._edges[(x, y)]
            metres += m
            name = self.place_names[p] if p >= 0 and self.place_names else ""
            if name and (not roads or roads[-1] != name):
                roads.append(name)
        seconds = float(tree.seconds[start]) + (stub + end_stub) / self.access_mps
        return Route(seconds, metres + stub + end_stub, coords, roads)

    def timed_path(self, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float, float]]:
        """(lon, lat, seconds from a) along the fastest route from a to b; empty when unreachable."""
        tree = self.tree(self.snap(*b)[0])
        start, stub = self.snap(*a)
        nodes = self.path(tree, start)
        if not nodes:
            return []
        lead = stub / self.access_mps
        total = float(tree.seconds[start])
        out = [(a[0], a[1], 0.0)] + [(float(self.lon[n]), float(self.lat[n]), lead + total - float(tree.seconds[n]))
                                     for n in nodes]
        return [*out, (b[0], b[1], out[-1][2] + self.snap(*b)[1] / self.access_mps)]

    def route(self, a: tuple[float, float], b: tuple[float, float]) -> Route | None:
        """Fastest route from point a to point b (lon, lat)."""
        return self.route_on(self.tree(self.snap(*b)[0]), a[0], a[1], dest=b)

    def seconds_to(self, tree: Tree, nodes: NDArray[np.int64], stubs_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Travel seconds from each (node, access stub) to the tree's node; inf where unreachable."""
        return tree.seconds[nodes] + stubs_m / self.access_mps


@functools.cache
def city_roads(path: Path | None = None) -> RoadGraph:
    import maps

    return RoadGraph.load(path or Path(maps.__file__).parent / "data" / "roads.npz")
