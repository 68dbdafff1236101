"""What a source's declaration says beside its mapping: the case class each event type raises (`Raises`), its
fleets in the device registry (一机一档: how many devices, where they stand, who owns them and how each is
named), and the places fleets are drawn around.

Anchors are WGS84 points with a spread (km): the urban cores, industrial parks, hills, rivers and
reservoirs of Jiangmen where each kind of device really clusters. `maps/build_device_registry.py`
draws the devices of every declared fleet around them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# name: (lon, lat, spread_km)
ANCHORS: dict[str, tuple[float, float, float]] = {
    "pengjiang": (113.080, 22.590, 2.5), "baisha": (113.078, 22.585, 1.2), "jianghai": (113.115, 22.560, 2.5),
    "jianghai_park": (113.135, 22.545, 1.0), "xinhui": (113.035, 22.522, 2.0), "taicheng": (112.790, 22.252, 2.0),
    "sanbu": (112.690, 22.372, 2.0), "shaping": (112.960, 22.765, 2.0), "encheng": (112.310, 22.185, 1.8),
    "yinzhou_lake": (113.075, 22.330, 2.5), "gonghe": (112.880, 22.640, 2.0), "guanghai": (112.780, 21.950, 2.0),
    "tanjiang_kaiping": (112.640, 22.380, 3.0), "tanjiang_xinhui": (112.960, 22.440, 3.0),
    "xijiang": (113.150, 22.640, 4.0), "taishan_hills": (112.760, 22.300, 5.0), "enping_hills": (112.200, 22.280, 5.0),
    "kaiping_hills": (112.560, 22.500, 5.0), "heshan_hills": (112.780, 22.680, 5.0), "guifeng": (113.010, 22.560, 2.0),
    "reservoir_dalongdong": (112.600, 22.160, 0.8), "reservoir_jinjiang": (112.230, 22.020, 0.8),
    "reservoir_zhenhai": (112.520, 22.460, 0.8), "reservoir_dashahe": (112.430, 22.470, 0.8),
}
URBAN = {"pengjiang": 4, "jianghai": 3, "xinhui": 3, "taicheng": 1, "sanbu": 1, "shaping": 1, "encheng": 1}
DOWNTOWN = {"pengjiang": 3, "baisha": 2, "jianghai": 2}
DISTRICT_NAMES = {"440703": "蓬江区", "440704": "江海区", "440705": "新会区", "440781": "台山市", "440783": "开平市",
                  "440784": "鹤山市", "440785": "恩平市"}
CITY_CHENGGUAN = "江门市城市管理和综合执法局"
TRAFFIC_POLICE = "江门市公安局交通警察支队"
REPORTS = ("none", "wgs84", "gcj02", "address")


def district_dept(suffix: str) -> dict[str, str]:
    """One department per district code, and the city's ("440700") for devices outside them."""
    return {code: f"{name}{suffix}" for code, name in DISTRICT_NAMES.items()} | {"440700": f"江门市{suffix}"}


@dataclass(frozen=True, slots=True)
class Raises:
    """The case an event type raises: its class in hub/data/categories.yaml (GB/T 30428.2 code, "部件/1001"),
    the default severity of its events (0 info … 4 critical) and the items of the 2021 work plan it serves."""

    category: str
    severity: int = 0
    plan_items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fleet:
    kind: str  # the registry's kind of device
    count: int  # 0: one device per district seat (with {district} in id_format), else one for the city
    anchors: dict[str, int]  # where, with weights
    department: str | dict[str, str]  # one owner, or one per district code
    id_format: str  # str.format with {n} (1-based serial), {district}, {d2} (last 2 digits of district)
    name_format: str  # the same names and {district_name}
    reports: str = "none"  # how the device gives its position: one of REPORTS (none: the registry places it)
    extra: dict[str, object] = field(default_factory=dict)
    adapter: str = ""  # the adapter that declares it; the registry fills it in (adapters.registry.fleets)
