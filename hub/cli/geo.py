"""`cityhub geocode` and `cityhub locate` (print JSON; exit 1 with a one-line reason)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

CRS_CHOICES = ("wgs84", "gcj02", "bd09")


def register(commands: Any) -> None:
    geocode = commands.add_parser("geocode", help="messy address text → standard address, grid code")
    geocode.add_argument("text", nargs="+", help="the address (words are joined with spaces)")
    geocode.set_defaults(func=run_geocode)
    locate = commands.add_parser("locate", help="a point → grid cell, community, town, district")
    locate.add_argument("lon", type=float)
    locate.add_argument("lat", type=float)
    locate.add_argument("--crs", choices=CRS_CHOICES, default="wgs84")
    locate.set_defaults(func=run_locate)


def _print(doc: dict[str, Any]) -> None:
    print(json.dumps(doc, ensure_ascii=False))


def run_geocode(args: argparse.Namespace) -> int:
    from hub.geo import load_city

    found = load_city().geocode(" ".join(args.text))
    _print(found)
    if not found.get("matched"):
        print(f"cityhub: no match: {found.get('reason')}", file=sys.stderr)
        return 1
    return 0


def run_locate(args: argparse.Namespace) -> int:
    from hub.geo import load_city

    place = load_city().locate(args.lon, args.lat, args.crs)
    if place is None:
        print(f"cityhub: ({args.lon}, {args.lat}) {args.crs} is outside Jiangmen", file=sys.stderr)
        return 1
    _print(place)
    return 0
