"""`Correlator.match` reads the index inline when the neighbour function lists a cell's neighbours
(`around`); without that it tests each candidate with `gap`. Both must decide alike: a generated batch
through both, batch after batch on a kept index, gives the same incidents, joins and alarms."""

from __future__ import annotations

import random
from typing import Any

from hub.incidents.correlate import Correlator, Decision
from hub.incidents.model import Sighting
from hub.incidents.related import load_related
from hub.pipeline.rules import load_rules
from tests.incidents.factory import BAISHA, T0, offset, sighting

CELL_M = 150  # a square test grid, 20 × 20 cells, around BAISHA: radii reach past the neighbours
SIDE = 20
TYPES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("city.water.waterlogging", {"depth_cm": 25}, ["water.waterlogging.deep"]),
    ("city.water.rainfall", {"rain_1h_mm": 30}, []),
    ("city.iot.manhole", {"state": "water_full"}, []),
    ("city.iot.manhole", {"state": "normal"}, []),
    ("city.fire.alarm", {}, []),
    ("city.iot.gas", {}, []),
    ("city.traffic.congestion", {}, []),
    ("city.env.air", {}, []),
    ("city.video.alert", {"kind": "waterlogging"}, []),
    ("city.video.alert", {"kind": "smoke_fire"}, []),
    ("city.hotline.workorder", {"description": "路口积水很深"}, []),
    ("city.hotline.workorder", {"description": "楼道冒烟"}, []),
    ("city.hotline.workorder", {"description": "噪音扰民"}, []),
    ("city.weather.warning", {"hazard": "rainstorm"}, ["weather.rainstorm.red"]),
]


def cell_of(east_m: float, north_m: float) -> str:
    return f"C{int(east_m // CELL_M)}_{int(north_m // CELL_M)}"


def around(cell: str) -> frozenset[str]:
    x, y = (int(v) for v in cell[1:].split("_"))
    return frozenset(f"C{x + dx}_{y + dy}" for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                     if (dx or dy) and 0 <= x + dx < SIDE and 0 <= y + dy < SIDE)


class Listed:
    """A neighbour function that lists a cell's neighbours: `match` reads the index inline."""

    def __call__(self, a: str, b: str) -> bool:
        return a == b or b in around(a)

    def around(self, cell: str) -> frozenset[str]:
        return around(cell)


def plain(a: str, b: str) -> bool:  # the same neighbours, one pair at a time: `match` tests each candidate
    return a == b or b in around(a)


def batch(rng: random.Random, start: float, n: int) -> list[Sighting]:
    found = []
    for _ in range(n):
        event_type, data, alarms = rng.choice(TYPES)
        east, north = rng.uniform(0, CELL_M * SIDE), rng.uniform(0, CELL_M * SIDE)
        located = event_type != "city.weather.warning" and rng.random() > 0.05
        alarmed = rng.random() < 0.3
        found.append(sighting(
            event_type, data, at=start + rng.uniform(0, 1800), point=offset(BAISHA, east, north) if located else None,
            grid=cell_of(east, north) if located and rng.random() > 0.1 else None,
            district=rng.choice(["440703", "440704"]), alarms=alarms if alarmed else [],
            severity=rng.choice([1, 2, 3, 4]) if rng.random() < 0.1 else 1))
    return found


def outcome(decisions: list[Decision], names: dict[int, int]) -> list[tuple[Any, ...]]:
    for d in decisions:
        names.setdefault(id(d.incident), len(names))
    return [(d.sighting.uid, names[id(d.incident)], d.opened, tuple(d.new_alarms), d.incident.kind,
             d.incident.member_count, tuple(d.incident.cells), d.incident.severity) for d in decisions]


def test_the_inline_match_decides_as_the_candidate_by_candidate_test() -> None:
    related, name = load_related(), load_rules().name
    rng = random.Random(30)
    batches = [batch(rng, T0 + 900 * i, 300) for i in range(6)]
    results = []
    for neighbours in (Listed(), plain):
        c = Correlator(related, name, {"reported": 0.5}, neighbours)
        assert (c.around is not None) == (neighbours is not plain)
        index = c.index()
        names: dict[int, int] = {}
        copies = [[Sighting.from_dict(s.to_dict()) for s in b] for b in batches]
        results.append([outcome(c.decide(b, index, T0, relevant_only=True), names) for b in copies])
    fast, slow = results
    assert fast == slow
    decided = [d for b in fast for d in b]
    opened = sum(d[2] for d in decided)
    assert opened > 10 and len(decided) - opened > 200, (opened, len(decided))  # it opened and joined
