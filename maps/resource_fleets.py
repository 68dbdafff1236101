"""What the response resource registry holds (应急资源一张图): data for ``maps/build_resources.py``.

Every site kind with how many, where (anchors of ``adapters/declaration.py`` with weights, or one per
district seat), its owner department, its mobile units (capability, how many) and its facts
(beds, capacity, stock). Counts and equipment are plausible for a city of Jiangmen's size, written
for this project; they are generated, not the real order of battle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.declaration import URBAN, district_dept

# capability → what a unit of it is called
CAPABILITIES: dict[str, str] = {
    "engine": "水罐消防车", "ladder": "登高平台消防车", "rescue": "抢险救援消防车", "hazmat": "防化洗消消防车",
    "ambulance": "救护车", "pump": "排涝抢险泵车", "police": "巡逻警车", "traffic-police": "交警铁骑/警车",
    "rescue-team": "应急救援队车辆",
}
SUPPLIES = ("sandbags", "pumps", "generators", "life_jackets")


@dataclass(frozen=True)
class SiteKind:
    kind: str
    label: str  # what the city calls it
    count: int  # 0: one per district, at the district seat
    anchors: dict[str, int]
    department: str | dict[str, str]
    id_prefix: str
    units: tuple[tuple[str, int], ...] = ()  # (capability, how many) per site
    extra: dict[str, object] = field(default_factory=dict)


FIRE = district_dept("消防救援大队") | {"440700": "江门市消防救援支队"}
SITES: tuple[SiteKind, ...] = (
    SiteKind("fire-station", "消防救援站", 0, {}, FIRE, "XF", (("engine", 2), ("ladder", 1), ("rescue", 1))),
    SiteKind("fire-station", "消防救援站", 7, URBAN | {"jianghai_park": 2, "yinzhou_lake": 2}, FIRE, "XF",
             (("engine", 2), ("rescue", 1))),
    SiteKind("fire-team", "专职消防队", 10, URBAN | {"gonghe": 1, "guanghai": 1, "tanjiang_kaiping": 1}, FIRE, "ZZ",
             (("engine", 1),)),
    SiteKind("micro-fire-station", "微型消防站", 30, URBAN | {"jianghai_park": 2}, FIRE, "WX"),
    SiteKind("hazmat-station", "危化品救援站", 2, {"jianghai_park": 1, "yinzhou_lake": 1}, "江门市消防救援支队", "FH",
             (("hazmat", 1), ("engine", 1))),
    SiteKind("rescue-team", "应急救援队", 8, URBAN | {"taishan_hills": 1}, "江门市应急管理局", "JY",
             (("rescue-team", 1),)),
    SiteKind("drainage-crew", "排水抢险队", 12, URBAN | {"baisha": 2}, district_dept("城市管理和综合执法局"), "PS",
             (("pump", 2),)),
    SiteKind("ambulance-station", "120急救站", 18, URBAN | {"baisha": 2}, "江门市紧急医疗救援指挥中心", "JJ",
             (("ambulance", 2),)),
    SiteKind("hospital", "医院", 12, URBAN, "江门市卫生健康局", "YY"),
    SiteKind("police-post", "派出所", 24, URBAN, district_dept("公安分局"), "PC", (("police", 1),)),
    SiteKind("traffic-brigade", "交警大队", 0, {}, "江门市公安局交通警察支队", "JD", (("traffic-police", 2),)),
    SiteKind("supply-depot", "应急物资储备库", 8, URBAN | {"taishan_hills": 1}, "江门市应急管理局", "WZ"),
    SiteKind("shelter", "应急避难场所", 40, URBAN | {"baisha": 2, "jianghai_park": 1}, "江门市应急管理局", "BN"),
)
