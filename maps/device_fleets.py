"""What the device registry holds: every source system's fleet — how many devices, where they stand,
who owns them and how each is named. Data for ``maps/build_device_registry.py``.

Anchors are WGS84 points with a spread (km): the urban cores, industrial parks, hills, rivers and
reservoirs of Jiangmen where each kind of device really clusters.
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


def district_dept(suffix: str) -> dict[str, str]:
    return {code: f"{name}{suffix}" for code, name in DISTRICT_NAMES.items()} | {"440700": f"江门市{suffix}"}


@dataclass(frozen=True)
class Fleet:
    adapter: str
    kind: str  # the registry's kind of device
    count: int
    anchors: dict[str, int]  # where, with weights
    department: str | dict[str, str]  # one owner, or one per district code
    id_format: str  # str.format with {n} (1-based serial), {district}, {d2} (last 2 digits of district)
    name_format: str
    reports: str = "none"  # how the device gives its position: none (registry), wgs84, gcj02, address
    extra: dict[str, object] = field(default_factory=dict)


CITY_CHENGGUAN = "江门市城市管理和综合执法局"
FLEETS: tuple[Fleet, ...] = (
    Fleet("weather-cap", "weather-area", 0, {}, "江门市气象局", "{district}", "{district_name}气象预警区"),
    Fleet("grid-patrol", "inspector-app", 48, URBAN, district_dept("城市管理和综合执法局"), "WGY-{district}-{n:03d}",
          "网格员巡查终端{n}号", "gcj02"),
    Fleet("emergency-incidents", "duty-desk", 0, {}, district_dept("应急管理局"), "YJ-{district}",
          "{district_name}应急值守"),
    Fleet("emergency-hazmat", "hazard-source", 14, {"jianghai_park": 4, "yinzhou_lake": 6, "gonghe": 2, "guanghai": 2},
          "江门市应急管理局", "HZ-{district}-{n:03d}", "危化品重大危险源{n}号"),
    Fleet("emergency-geohazard", "geohazard-point", 24,
          {"taishan_hills": 8, "enping_hills": 5, "kaiping_hills": 5, "heshan_hills": 4, "guifeng": 2},
          "江门市自然资源局", "DZ-{district}-{n:03d}", "地质灾害隐患点{n}号"),
    Fleet("emergency-forestfire", "watch-tower", 12,
          {"taishan_hills": 5, "enping_hills": 2, "kaiping_hills": 2, "heshan_hills": 2, "guifeng": 1},
          "江门市林业局", "LHT-{district}-{n:02d}", "森林防火瞭望塔{n}号"),
    Fleet("fire-uitd", "fire-uitd", 60, URBAN | {"jianghai_park": 3}, "江门市消防救援支队", "UITD-{district}{n:06d}",
          "联网单位{n}号"),
    Fleet("fire-hydrant", "hydrant", 80, URBAN | {"jianghai_park": 2}, "江门市消防救援支队", "86759105{d2}{n:05d}",
          "市政消火栓{n}号"),
    Fleet("water-sl651", "rain-gauge", 24, URBAN | {"baisha": 1, "taishan_hills": 2, "enping_hills": 1,
                                                    "kaiping_hills": 1, "heshan_hills": 1},
          "江门市水利局", "{district}{n:04d}", "雨量站{n}号", extra={"station": "P"}),
    Fleet("water-sl651", "river-gauge", 10, {"xijiang": 4, "tanjiang_kaiping": 3, "tanjiang_xinhui": 3},
          "江门市水利局", "{district}{n:04d}", "水位站{n}号", extra={"station": "H"}),
    Fleet("water-sl651", "reservoir-gauge", 4, {"reservoir_dalongdong": 1, "reservoir_jinjiang": 1,
                                                "reservoir_zhenhai": 1, "reservoir_dashahe": 1},
          "江门市水利局", "{district}{n:04d}", "水库水位站{n}号", extra={"station": "K"}),
    Fleet("water-waterlogging", "waterlogging-sensor", 32, DOWNTOWN | {"xinhui": 2, "jianghai_park": 1},
          district_dept("城市管理和综合执法局"), "5823{d2}{n:03d}", "内涝监测点{n}号"),
    Fleet("env-air", "air-station", 16, URBAN | {"jianghai_park": 1, "yinzhou_lake": 1}, "江门市生态环境局",
          "{district}AQ{n:04d}", "空气质量监测站{n}号"),
    Fleet("env-pollution", "pollution-outlet", 16, {"jianghai_park": 4, "yinzhou_lake": 6, "gonghe": 3, "sanbu": 3},
          "江门市生态环境局", "{district}PS{n:04d}", "重点排污单位排放口{n}号"),
    Fleet("construction-site", "site-monitor", 26, URBAN, "江门市住房和城乡建设局", "{district}GD{n:04d}",
          "在建工地扬尘噪声监测点{n}号"),
    Fleet("iot-streetlight", "streetlight", 120, URBAN, district_dept("城市管理和综合执法局"), "LD-{district}-{n:04d}",
          "路灯{n}号", "gcj02"),
    Fleet("iot-manhole", "manhole-cover", 80, URBAN, district_dept("城市管理和综合执法局"), "86911205{d2}{n:05d}",
          "智能井盖{n}号"),
    Fleet("iot-gas", "gas-monitor", 30, URBAN, CITY_CHENGGUAN, "RQ-{district}-{n:03d}", "燃气管网监测点{n}号"),
    Fleet("iot-bridge", "bridge", 8, {"pengjiang": 3, "jianghai": 2, "xinhui": 2, "xijiang": 1}, CITY_CHENGGUAN,
          "QL-{district}-{n:02d}", "城市桥梁{n}号"),
    Fleet("vehicle-jt808", "muck-truck", 40, URBAN, CITY_CHENGGUAN, "139{d2}{n:06d}", "渣土运输车{n}号", "wgs84"),
    Fleet("parking-lots", "parking-lot", 40, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队", "JM-PK-{n:04d}",
          "停车场{n}号", "gcj02"),
    Fleet("parking-berths", "parking-berth", 150, DOWNTOWN, "江门市公安局交通警察支队", "BW-{district}-{n:04d}",
          "路内泊位{n}号"),
    Fleet("traffic-detectors", "traffic-detector", 40, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队",
          "TD-{district}-{n:03d}", "交通检测器{n}号"),
    Fleet("traffic-congestion", "road-segment", 30, DOWNTOWN | {"xinhui": 1}, "江门市公安局交通警察支队",
          "RD-{district}-{n:03d}", "路段{n}号", "gcj02"),
    Fleet("hotline-12345", "hotline-platform", 0, {}, "江门市12345政务服务便民热线", "JM12345", "12345热线平台"),
    Fleet("video-alerts", "camera", 120, URBAN | {"jianghai_park": 2}, "江门市公安局", "{district}00001320{n:06d}",
          "视频监控点{n}号"),
)
