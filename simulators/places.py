"""Where reported things are: points near a device or place, their standard address from the address
library, and that address written the messy ways citizens and inspectors write it."""

from __future__ import annotations

import math
import random
import re
from functools import cache
from typing import Any

from hub.geo import load_city, wgs84_to_gcj02
from simulators.environment import KM_PER_DEG

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DISTRICT_NAMES = ("蓬江区", "江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市")


def near(lon: float, lat: float, rng: random.Random, within_m: float) -> tuple[float, float]:
    """A point uniformly within `within_m` of (lon, lat)."""
    r, a = within_m * math.sqrt(rng.random()) / 1000, rng.uniform(0, 2 * math.pi)
    return lon + r * math.cos(a) / KM_PER_DEG[0], lat + r * math.sin(a) / KM_PER_DEG[1]


def gcj02(lon: float, lat: float) -> tuple[float, float]:
    glon, glat = wgs84_to_gcj02(lon, lat)
    return round(float(glon), 6), round(float(glat), 6)


@cache
def _geo() -> Any:
    return load_city()


def inside(lon: float, lat: float) -> bool:
    """Whether a WGS84 point lies in Jiangmen."""
    return _geo().locate(lon, lat) is not None


def standard_address(lon: float, lat: float) -> dict[str, Any] | None:
    """The library's nearest standard address ({address_id, text, lon, lat …}), or None without a library."""
    finder = getattr(_geo(), "nearest_address", None)
    if finder is None:
        return None
    try:
        found = finder(lon, lat)
    except Exception:  # a library still being built must not stop the simulators
        return None
    return found if found and found.get("distance_m", 0) < 2000 else None


def messy(text: str, rng: random.Random) -> str:
    """A standard address as people type it: no city or district, spaces, full-width digits, 號, rooms."""
    if rng.random() < 0.6:
        text = text.replace("广东省", "").replace("江门市", "")
    if rng.random() < 0.35:
        for name in DISTRICT_NAMES:
            text = text.replace(name, "")
    if rng.random() < 0.25:
        text = re.sub(r"(\D)(\d+号)", r"\1 \2", text, count=1)
    if rng.random() < 0.35:
        text = text.translate(FULL_WIDTH)
    if rng.random() < 0.2:
        text = text.replace("号", "號")
    if rng.random() < 0.3:
        text += rng.choice(("3栋502房", "首层", "对面", "附近", "2座", "B座", "之二"))
    return text.strip() or "江门市"


def spoken_place(lon: float, lat: float, rng: random.Random, district_name: str) -> str:
    """What a caller or inspector says the place is: a messy standard address, or a district and landmark."""
    found = standard_address(lon, lat)
    if found:
        return messy(str(found["text"]), rng)
    road = rng.choice(("建设路", "港口路", "五邑路", "迎宾大道", "胜利路"))
    return f"江门市{district_name}{road}{rng.randint(1, 200)}号"
