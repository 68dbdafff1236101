"""The places a scenario names — a district, a unit-grid cell, a standard address, coordinates or a
registry device — resolved against the city's geography, and which devices each one covers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from simulators.environment import distance_m
from simulators.fleet import Device


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the text says where and why."""


@dataclass(frozen=True)
class Place:
    name: str
    lon: float  # WGS84
    lat: float
    radius_m: float = 0.0  # 0: the whole district (or grid cell prefix)
    district: str | None = None
    grid: str | None = None

    def covers(self, device: Device) -> bool:
        if self.radius_m:
            return distance_m(device.lon, device.lat, self.lon, self.lat) <= self.radius_m
        if self.grid:
            return device.grid_code.startswith(self.grid)
        return device.district_code == self.district

    def bbox(self) -> tuple[float, float, float, float]:
        dx, dy = self.radius_m / 102850, self.radius_m / 110750
        return (self.lon - dx, self.lat - dy, self.lon + dx, self.lat + dy)

    def as_what(self) -> dict[str, Any]:
        return {"lon": self.lon, "lat": self.lat, "radius_m": self.radius_m, "district": self.district}



def resolve(name: str, spec: dict[str, Any]) -> Place:
    """A place from a district code, a grid code, a standard address or coordinates (WGS84 unless `crs`)."""
    from hub.geo import load_city, to_wgs84

    geo = load_city()
    radius = float(spec.get("radius_m", 0))
    if "district" in spec:
        feature = next((f for f in geo.districts_geojson()["features"] if f["properties"]["code"] == spec["district"]),
                       None)
        if feature is None:
            raise ScenarioError(f"place {name}: no district {spec['district']}")
        from shapely.geometry import shape

        point = shape(feature["geometry"]).representative_point()
        return Place(name, point.x, point.y, radius, spec["district"])
    if "grid" in spec:
        lon, lat = grid_centre(str(spec["grid"]))
        return Place(name, lon, lat, radius, str(spec["grid"])[:6], str(spec["grid"]))
    if "address" in spec:
        found: dict[str, Any] = geo.geocode(spec["address"]) if hasattr(geo, "geocode") else {"matched": False}
        if not found.get("matched") or found.get("confidence", 0) < 0.9:
            raise ScenarioError(f"place {name}: address {spec['address']!r} is not a standard address "
                                f"({found.get('reason')}; best match {found.get('text')})")
        return Place(name, found["lon"], found["lat"], radius or 500, found.get("district_code"))
    if "device" in spec:
        from simulators.fleet import all_devices

        device = next((d for d in all_devices() if d.device_id == spec["device"]), None)
        if device is None:
            raise ScenarioError(f"place {name}: no device {spec['device']} in the registry")
        return Place(name, device.lon, device.lat, radius or 300, device.district_code)
    lon, lat = (float(v) for v in to_wgs84(spec["lon"], spec["lat"], spec.get("crs", "wgs84")))
    located = geo.locate(lon, lat)
    if located is None:
        raise ScenarioError(f"place {name}: ({lon}, {lat}) is outside Jiangmen")
    return Place(name, lon, lat, radius or 500, located["district_code"])


@cache
def grid_centre(code: str) -> tuple[float, float]:
    from shapely.geometry import shape

    from hub.geo import load_city

    for feature in load_city().cells_geojson()["features"]:
        if feature["properties"].get("code", "").startswith(code):
            point = shape(feature["geometry"]).representative_point()
            return point.x, point.y
    raise ScenarioError(f"no unit-grid cell {code}")

