"""What the device registry holds: every source system's fleets, as its adapter declares them (`fleets` of
`adapters.base.Adapter`, drawn around the places of adapters.declaration), in the order they are drawn.
Data for ``maps/build_device_registry.py``.

Fleets are drawn in `DRAW_ORDER`, then every other declared fleet by adapter name: a source added to
the hub draws its devices after all those before it, so adding one moves no device already placed.
"""

from __future__ import annotations

from adapters.declaration import Fleet
from adapters.registry import fleets

DRAW_ORDER = ("weather-cap", "grid-patrol", "emergency-incidents", "emergency-hazmat", "emergency-geohazard",
              "emergency-forestfire", "fire-uitd", "fire-hydrant", "water-sl651", "water-waterlogging", "env-air",
              "env-pollution", "construction-site", "iot-streetlight", "iot-manhole", "iot-gas", "iot-bridge",
              "vehicle-jt808", "parking-lots", "parking-berths", "traffic-detectors", "traffic-congestion",
              "hotline-12345", "video-alerts")


def in_draw_order(declared: list[Fleet]) -> tuple[Fleet, ...]:
    """`declared` (in adapter-name order) with the fleets of `DRAW_ORDER`'s adapters first, in its order."""
    rank = {name: i for i, name in enumerate(DRAW_ORDER)}
    return tuple(sorted(declared, key=lambda f: rank.get(f.adapter, len(rank))))


FLEETS: tuple[Fleet, ...] = in_draw_order(fleets())
