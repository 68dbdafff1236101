"""Routing on small graphs checked by hand, and the speed table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hub.command.roads import RoadError, RoadGraph, load_speeds

KM_LON, KM_LAT = 1 / 102.85, 1 / 110.75  # degrees per km (hub.geo.lattice)
SPEEDS = {"trunk": 36.0, "road": 18.0, "access": 3.6}  # 10 m/s, 5 m/s, 1 m/s


def square() -> RoadGraph:
    """A 1 km square A-B-C-D: A→B→C on a trunk (10 m/s), A→D→C on a road (5 m/s), plus a slow diagonal A-C.

        D ---road--- C
        |            |
       road        trunk
        |            |
        A ---trunk-- B
    """
    lon = np.array([0.0, 1.0, 1.0, 0.0]) * KM_LON + 113.0
    lat = np.array([0.0, 0.0, 1.0, 1.0]) * KM_LAT + 22.5
    a, b = np.array([0, 1, 0, 3, 0]), np.array([1, 2, 3, 2, 2])
    length = np.array([1000.0, 1000.0, 1000.0, 1000.0, 1414.2])
    return RoadGraph(lon, lat, a, b, length, ["trunk", "trunk", "road", "road", "road"], SPEEDS,
                     np.array([0, 0, 1, 1, 2]), ["滨江大道", "建设路", "斜路"])


def test_fastest_path_takes_the_trunk_not_the_shorter_diagonal() -> None:
    g = square()
    route = g.route((float(g.lon[0]), float(g.lat[0])), (float(g.lon[2]), float(g.lat[2])))
    assert route is not None
    assert route.seconds == pytest.approx(200.0, abs=0.5)  # 2 km at 10 m/s; the diagonal takes 283 s
    assert route.metres == pytest.approx(2000.0, abs=1)
    assert route.roads == ["滨江大道"]
    assert len(route.coords) == 5  # start, A, B, C, end


def test_slower_trunk_changes_the_answer() -> None:
    g = RoadGraph(*_square_arrays(), {"trunk": 5.0, "road": 18.0, "access": 3.6})
    route = g.route((float(g.lon[0]), float(g.lat[0])), (float(g.lon[2]), float(g.lat[2])))
    assert route is not None
    assert route.seconds == pytest.approx(1414.2 / 5.0, abs=0.5)  # now the diagonal road wins


def _square_arrays() -> tuple:
    g = square()
    lon, lat = g.lon, g.lat
    return (lon, lat, np.array([0, 1, 0, 3, 0]), np.array([1, 2, 3, 2, 2]),
            np.array([1000.0, 1000.0, 1000.0, 1000.0, 1414.2]), ["trunk", "trunk", "road", "road", "road"])


def test_access_stub_is_timed_at_access_speed() -> None:
    g = square()
    start = (float(g.lon[0]) - 0.1 * KM_LON, float(g.lat[0]))  # 100 m west of A
    route = g.route(start, (float(g.lon[1]), float(g.lat[1])))
    assert route is not None
    assert route.seconds == pytest.approx(100.0 + 100.0, rel=0.01)  # 100 m at 1 m/s, then 1 km at 10 m/s
    assert route.metres == pytest.approx(1100.0, rel=0.01)


def test_unreachable_gives_none() -> None:
    lon = np.array([113.0, 113.01, 113.1])
    lat = np.array([22.5, 22.5, 22.5])
    g = RoadGraph(lon, lat, np.array([0]), np.array([1]), np.array([1000.0]), ["road"], SPEEDS)
    assert g.route((113.0, 22.5), (113.1, 22.5)) is None


def test_tree_times_match_hand_values() -> None:
    g = square()
    tree = g.tree(2)
    assert tree.seconds.tolist() == pytest.approx([200.0, 100.0, 0.0, 200.0], abs=0.01)
    assert g.path(tree, 0) == [0, 1, 2]


def test_a_class_without_speed_is_refused() -> None:
    with pytest.raises(RoadError, match="ferry"):
        RoadGraph(np.zeros(2), np.zeros(2), np.array([0]), np.array([1]), np.array([1.0]), ["ferry"], SPEEDS)


def test_speed_table_is_valid_and_bad_ones_are_refused(tmp_path: Path) -> None:
    speeds = load_speeds()
    assert speeds["access"] < speeds["road"] < speeds["trunk"] < speeds["highway"]
    bad = tmp_path / "s.yaml"
    bad.write_text("trunk: 0\n", encoding="utf-8")
    with pytest.raises(RoadError):
        load_speeds(bad)
