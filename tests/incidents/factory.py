"""Events and sightings for the incident tests: real CloudEvents through the hub's own decode/route steps."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from hub.events import Event, HubBlock, Message, event_uid
from hub.incidents.model import Sighting

CHINA = timezone(timedelta(hours=8))
T0 = datetime(2026, 6, 1, 14, 0, tzinfo=CHINA).timestamp()
_serial = itertools.count(1)

# Points in the city (WGS84): 白沙街道 in 蓬江区, and one about 5 km away in 江海区.
BAISHA = (113.0850, 22.5900)
JIANGHAI = (113.1300, 22.5600)


def offset(point: tuple[float, float], east_m: float = 0, north_m: float = 0) -> tuple[float, float]:
    return point[0] + east_m / 102_850, point[1] + north_m / 110_750


def sighting(event_type: str, data: dict[str, Any] | None = None, *, at: float = T0,
             point: tuple[float, float] | None = BAISHA, grid: str | None = None, district: str = "440703",
             alarms: list[str] | None = None, severity: int = 1, source: str | None = None) -> Sighting:
    n = next(_serial)
    domain = event_type.split(".")[1]
    src = source or f"/jiangmen/{domain}/test/DEV-{n}"
    lon, lat = point if point else (None, None)
    return Sighting(event_uid(src, str(n), at), src, event_type, at, lon, lat, grid, district, "蓬江区",
                    None, None, severity, list(alarms or []), "测试部门", 2.0, event_type, None, dict(data or {}))


def event(event_type: str, data: dict[str, Any], *, at: float = T0, district: str = "440703",
          town: str | None = None, grid: str | None = None) -> Event:
    n = next(_serial)
    domain = event_type.split(".")[1]
    source = f"/jiangmen/{domain}/test/DEV-{n}"
    ce = {"specversion": "1.0", "id": str(n), "source": source, "type": event_type,
          "time": datetime.fromtimestamp(at, CHINA).isoformat(), "data": data}
    hub = HubBlock(uid=event_uid(source, str(n), at), received_at=at, lon=BAISHA[0], lat=BAISHA[1],
                   district_code=district, town_code=town, grid_code=grid)
    return Event(ce, Message(b"{}", f"city/{domain}/test", "mqtt"), hub)


def waterlogging(depth: float = 25, **kw):  # type: ignore[no-untyped-def]
    alarms = ["water.waterlogging.deep"] if depth > 15 else []
    return sighting("city.water.waterlogging", {"sensor_id": "W", "depth_cm": depth}, alarms=alarms,
                    severity=3 if alarms else 1, **kw)
