"""The city's road graph (maps/data/roads.npz): one piece, near every standard address, sensible times."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from scipy.sparse.csgraph import connected_components

from hub.command.roads import city_roads
from hub.geo import load_city


def test_graph_is_one_piece() -> None:
    g = city_roads()
    count, _ = connected_components(g.time, directed=False)
    assert count == 1


def test_every_standard_address_is_reachable_from_the_city_seat() -> None:
    g, lib = city_roads(), load_city().library
    nodes, stubs = g.snap_many(lib.lon, lib.lat)
    tree = g.tree(g.snap(113.0816, 22.5787)[0])  # 江门市 seat
    seconds = g.seconds_to(tree, nodes, stubs)
    assert np.isfinite(seconds).all()
    assert stubs.max() < 400  # the longest walk from a house to the graph (village houses)
    assert np.percentile(stubs, 99) < 300
    assert seconds.max() < 4 * 3600  # farthest island village under four hours


def test_travel_time_exceeds_straight_line_at_highway_speed() -> None:
    g = city_roads()
    lib = load_city().library
    rng = np.random.default_rng(7)
    for i, j in rng.integers(0, len(lib.lon), size=(30, 2)):
        a, b = (float(lib.lon[i]), float(lib.lat[i])), (float(lib.lon[j]), float(lib.lat[j]))
        route = g.route(a, b)
        assert route is not None
        straight_m = float(np.hypot((a[0] - b[0]) * 102850, (a[1] - b[1]) * 110750))
        assert route.metres >= straight_m * 0.99
        assert route.seconds >= straight_m / (70 / 3.6) * 0.99


def test_route_cli_prints_time_distance_and_geojson() -> None:
    import json

    out = subprocess.run([sys.executable, "-c", "import sys; from hub.cli import main; sys.exit(main())",
                          "route", "113.0816", "22.5787", "113.035", "22.52"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["seconds"] > 0 and doc["metres"] > 5000
    assert doc["path"]["geometry"]["type"] == "LineString"
    bad = subprocess.run([sys.executable, "-c", "import sys; from hub.cli import main; sys.exit(main())",
                          "route", "0", "0", "113.035", "22.52"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "outside" in bad.stderr
