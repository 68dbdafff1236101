"""Every adapter the hub knows, by name. Adding a source system is one module and one line here."""

from __future__ import annotations

from adapters import (
    construction_site,
    emergency_forestfire,
    emergency_geohazard,
    emergency_hazmat,
    emergency_incidents,
    env_air,
    env_pollution,
    fire_hydrant,
    fire_uitd,
    grid_patrol,
    hotline_12345,
    iot_bridge,
    iot_gas,
    iot_manhole,
    iot_streetlight,
    parking,
    parking_berths,
    traffic_congestion,
    traffic_detectors,
    vehicle_jt808,
    video_alerts,
    water_sl651,
    water_waterlogging,
    weather_cap,
)
from adapters.base import Adapter

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (
    weather_cap.ADAPTER, grid_patrol.ADAPTER, emergency_incidents.ADAPTER, emergency_hazmat.ADAPTER,
    emergency_geohazard.ADAPTER, emergency_forestfire.ADAPTER, fire_uitd.ADAPTER, fire_hydrant.ADAPTER,
    water_sl651.ADAPTER, water_waterlogging.ADAPTER, env_air.ADAPTER, env_pollution.ADAPTER, iot_streetlight.ADAPTER,
    iot_manhole.ADAPTER, iot_gas.ADAPTER, iot_bridge.ADAPTER, construction_site.ADAPTER, vehicle_jt808.ADAPTER,
    parking.ADAPTER, parking_berths.ADAPTER, traffic_detectors.ADAPTER, traffic_congestion.ADAPTER,
    hotline_12345.ADAPTER, video_alerts.ADAPTER,
)}


def get(name: str) -> Adapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise KeyError(f"no adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
