"""Step two: put every event on the map and into its grid cell (落图入块).

Coordinates are converted to WGS84 from their declared datum; address text goes through the
standard-address geocoder; an event with neither is placed at its device's registry position.
Then the whole batch is located at once: grid cell, community, town, district.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from hub.events import DeadLetter, Event, HubBlock, event_uid
from hub.geo import CityGeo, to_wgs84

ADDRESS_REACH_M = 300.0


class DeviceRegistry(Protocol):
    def get(self, device_id: str) -> dict[str, Any] | None: ...


def place(events: list[Event], geo: CityGeo, registry: DeviceRegistry) -> tuple[list[Event], list[DeadLetter]]:
    by_crs: dict[str, list[Event]] = {}  # events with coordinates, converted to WGS84 one array per datum
    for event in events:
        event.hub = HubBlock(uid=event_uid(*event.key), received_at=event.message.received_at)
        crs = _point(event, geo, registry)
        if crs is not None:
            by_crs.setdefault(crs, []).append(event)
    for crs, group in by_crs.items():
        location = [e.ce["data"]["location"] for e in group]
        lons, lats = to_wgs84(np.array([p["lon"] for p in location], float),
                              np.array([p["lat"] for p in location], float), crs)
        for event, lon, lat in zip(group, np.asarray(lons).tolist(), np.asarray(lats).tolist(), strict=True):
            hub = event.hub
            assert hub is not None
            hub.lon, hub.lat, hub.crs_in, hub.location_method = lon, lat, crs, "coordinates"
    located = [e for e in events if e.hub and e.hub.lon is not None]
    if located:
        lons = np.fromiter((e.hub.lon for e in located if e.hub), float, len(located))
        lats = np.fromiter((e.hub.lat for e in located if e.hub), float, len(located))
        batch = geo.locate_many(lons, lats)
        for i, event in enumerate(located):
            assert event.hub is not None
            if batch.district_code[i]:
                _fill(event.hub, batch.row(i))
    outside = {id(e) for e in located if e.hub and not e.hub.district_code}
    dead = [DeadLetter.of(e.message, _outside_reason(e)) for e in located if id(e) in outside]
    inside = [e for e in events if id(e) not in outside]
    _nearest_addresses([e for e in inside if e.hub and e.hub.district_code and not e.hub.standard_address_id], geo)
    return inside, dead


def _nearest_addresses(events: list[Event], geo: CityGeo) -> None:
    """Give a point its standard address when one stands within ADDRESS_REACH_M (一标三实: every record on
    a standard address); a sensor in the fields or hills keeps only its grid cell."""
    if not events:
        return
    lons = np.fromiter((e.hub.lon for e in events if e.hub), float, len(events))
    lats = np.fromiter((e.hub.lat for e in events if e.hub), float, len(events))
    for event, (address_id, text, distance) in zip(events, geo.nearest_addresses(lons, lats), strict=True):
        if distance <= ADDRESS_REACH_M and event.hub is not None:
            event.hub.standard_address_id, event.hub.standard_address = address_id, text


def _point(event: Event, geo: CityGeo, registry: DeviceRegistry) -> str | None:
    """Place by address or device now; for coordinates return their datum (converted by the batch)."""
    hub = event.hub
    assert hub is not None
    location = event.ce["data"].get("location") or {}
    if "lon" in location:
        return str(location.get("crs", "wgs84"))
    if "address" in location:
        found = geo.geocode(location["address"])
        if found["matched"]:
            hub.lon, hub.lat, hub.location_method = found["lon"], found["lat"], "address"
            hub.standard_address_id, hub.standard_address = found["address_id"], found["text"]
            hub.geocode_confidence = found["confidence"]
    else:
        device = registry.get(event.device_id)
        if device:
            hub.lon, hub.lat, hub.location_method = device["lon"], device["lat"], "device"
            hub.standard_address_id = device.get("address_id")
            hub.standard_address = device.get("address")
    return None


def _fill(hub: HubBlock, place: dict[str, Any]) -> None:
    for name in ("grid_code", "community_code", "community_name", "town_code", "town_name",
                 "district_code", "district_name"):
        setattr(hub, name, place.get(name) or None)


def _outside_reason(event: Event) -> str:
    hub = event.hub
    assert hub is not None
    return f"location outside Jiangmen: ({hub.lon:.5f}, {hub.lat:.5f}) WGS84 from {hub.crs_in or hub.location_method}"
