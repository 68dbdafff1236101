"""Benchmark of dispatch recommendation: 500 units, 1,000 open incidents, p50/p99 latency.

Run ``python -m bench.bench_command``; prints one JSON object (results go to docs/COMMAND.md by
hand). The city's registry is widened to ``--units`` units (copies of the real ones, each at a
random standard address, so they stand all over the city); ``--incidents`` incidents at random
standard addresses with groups that have plans; a tenth of the units committed. Each request is
one incident's full recommendation (every capability of its plan ranked by road travel time, the
routes of the units shown, depots and nearby sites). "cold" requests ask for incidents in random
order (the shortest-path tree cache holds 256 of the 1,000); "warm" repeats one incident.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace

import numpy as np

from hub.command.plans import load_plans
from hub.command.recommend import Scene, recommend
from hub.command.resources import Registry, Site, city_registry
from hub.command.roads import city_roads
from hub.command.units import UnitBoard
from hub.geo import load_city


def widened(base: Registry, count: int, rng: random.Random) -> Registry:
    lib = load_city().library
    units, sites = [], list(base.sites.values())
    originals = list(base.units.values())
    for i in range(count):
        u = originals[i % len(originals)]
        if i < len(originals):
            units.append(u)
            continue
        row = rng.randrange(len(lib.lon))
        home = Site(f"BENCH-{i}", "bench-post", "bench", f"bench {i}", float(lib.lon[row]), float(lib.lat[row]),
                    "", "", "", "", "", u.department, "generated")
        sites.append(home)
        units.append(replace(u, id=f"{u.id}-b{i}", home=home.id, terminal=f"199{i:08d}"))
    return Registry(sites, units)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_command", description=__doc__)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    registry = widened(city_registry(), args.units, rng)
    plans = load_plans(capabilities=registry.capabilities, site_kinds=registry.site_kinds | {"bench-post"})
    roads = city_roads()
    board = UnitBoard(registry)
    for unit_id in rng.sample(sorted(registry.units), len(registry.units) // 10):
        board.commit(unit_id, 0, None)
    lib = load_city().library
    groups = sorted(plans)
    rows = [rng.randrange(len(lib.lon)) for _ in range(args.incidents)]
    scenes = [Scene(i + 1, groups[i % len(groups)], rng.randrange(5), float(lib.lon[r]), float(lib.lat[r]))
              for i, r in enumerate(rows)]
    recommend(scenes[0], plans[scenes[0].group], registry, board, roads)  # load and compile once
    out = {"units": len(registry.units), "incidents": len(scenes), "graph_nodes": len(roads)}
    for label, pick in (("cold", lambda k: scenes[rng.randrange(len(scenes))]), ("warm", lambda k: scenes[0])):
        took = []
        for k in range(args.requests):
            scene = pick(k)
            t0 = time.perf_counter()
            recommend(scene, plans[scene.group], registry, board, roads)
            took.append((time.perf_counter() - t0) * 1000)
        ms = np.array(took)
        out[label] = {"requests": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 2),
                      "p99_ms": round(float(np.percentile(ms, 99)), 2), "max_ms": round(float(ms.max()), 2)}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
