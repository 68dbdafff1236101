"""`cityhub route LON LAT LON LAT`: the fastest road route between two WGS84 points of the city.

Prints one JSON object: travel time (seconds and minutes), distance in metres, the roads taken and
the path as a GeoJSON Feature. Exit 1 with a reason when a point lies outside Jiangmen.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(commands: Any) -> None:
    route = commands.add_parser("route", help="fastest road route between two points: travel time, distance, path")
    for name in ("from_lon", "from_lat", "to_lon", "to_lat"):
        route.add_argument(name, type=float, metavar=name.upper())
    route.add_argument("--json", action="store_true", help="(default) one JSON object")
    route.set_defaults(func=run_route)


def run_route(args: argparse.Namespace) -> int:
    from hub.command.roads import city_roads
    from hub.geo import load_city

    city = load_city()
    for lon, lat in ((args.from_lon, args.from_lat), (args.to_lon, args.to_lat)):
        if city.locate(lon, lat) is None:
            print(f"cityhub: ({lon}, {lat}) is outside Jiangmen", file=sys.stderr)
            return 1
    route = city_roads().route((args.from_lon, args.from_lat), (args.to_lon, args.to_lat))
    if route is None:
        print("cityhub: no road connects the two points", file=sys.stderr)
        return 1
    print(json.dumps({"seconds": round(route.seconds, 1), "minutes": round(route.seconds / 60, 1),
                      "metres": round(route.metres, 1), "roads": route.roads, "path": route.geojson()},
                     ensure_ascii=False))
    return 0
