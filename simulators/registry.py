"""Every simulator, by name (the name of the adapter that reads it)."""

from __future__ import annotations

from simulators import emergency, env, fire, iot, parking, reports, traffic, vehicle, water, weather
from simulators.base import Simulator

SIMULATORS: dict[str, Simulator] = {s.name: s for s in (
    weather.SIMULATOR, reports.PATROL, emergency.INCIDENT_REPORTS, emergency.HAZMAT, emergency.GEOHAZARD,
    emergency.FORESTFIRE, fire.PANELS, fire.HYDRANTS, water.GAUGES, water.WATERLOGGING, env.AIR, env.POLLUTION,
    iot.STREETLIGHTS, iot.MANHOLES, iot.GAS, iot.BRIDGES, env.SITES, vehicle.TRUCKS, parking.SIMULATOR,
    parking.BERTHS, traffic.DETECTORS, traffic.ROADS, reports.HOTLINE, reports.VIDEO,
)}
