"""Jiangmen's standard address grid: districts, towns, communities, unit grid, addresses."""

from hub.geo.city import CityGeo, load_city
from hub.geo.crs import bd09_to_wgs84, gcj02_to_wgs84, to_wgs84, wgs84_to_gcj02

__all__ = ["CityGeo", "bd09_to_wgs84", "gcj02_to_wgs84", "load_city", "to_wgs84", "wgs84_to_gcj02"]
