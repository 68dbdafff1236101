"""Step two: put every event on the map and into its grid cell (落图入块).

Coordinates are converted to WGS84 from their declared datum; address text goes through the
standard-address geocoder; an event with neither is placed at its device's registry position.
Then the whole batch is located at once: grid cell, community, town, district.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from hub.events import DeadLetter, Event, HubBlock, device_id_of, event_uids
from hub.geo import CityGeo, to_wgs84

ADDRESS_REACH_M = 300.0
NEAREST_KEPT = 65_536  # points whose nearest standard address is remembered, per loaded geography
_nearest_known: weakref.WeakKeyDictionary[CityGeo, dict[tuple[float | None, float | None], tuple[str, str, float]]] = (
    weakref.WeakKeyDictionary())
TEXTS_KEPT = 65_536  # address texts whose geocoding is remembered, per loaded geography
_geocoded_known: weakref.WeakKeyDictionary[CityGeo, dict[str, tuple[float, float, str, str, float] | None]] = (
    weakref.WeakKeyDictionary())


class DeviceRegistry(Protocol):
    def get(self, device_id: str) -> dict[str, Any] | None: ...


def place(events: list[Event], geo: CityGeo, registry: DeviceRegistry) -> tuple[list[Event], list[DeadLetter]]:
    """Each event's hub block, placed: the batch is grouped by what places it (a datum, an address text, a
    device), and each group is placed at once, so a text is geocoded and a device read once per batch."""
    by_crs: dict[str, list[tuple[HubBlock, dict[str, Any]]]] = {}  # to WGS84 one array per datum
    by_text: dict[str, list[HubBlock]] = {}
    by_source: dict[str, list[HubBlock]] = {}
    uids = event_uids([(e.ce["source"], e.ce["id"], e.seconds) for e in events])
    for event, uid in zip(events, uids, strict=True):
        ce = event.ce
        hub = event.hub = HubBlock(uid, event.message.received_at)
        location = ce["data"].get("location") or {}
        if "lon" in location:
            crs = str(location.get("crs", "wgs84"))
            points = by_crs.get(crs)
            if points is None:
                points = by_crs[crs] = []
            points.append((hub, location))
            continue
        if "address" in location:
            key, groups = location["address"], by_text
            if not isinstance(key, str):  # not text (the schemas forbid it): geocoded alone, failing as it does
                _place_by_address([hub], key, geo)
                continue
        else:
            key, groups = ce["source"], by_source
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
        group.append(hub)
    for crs, points in by_crs.items():
        lons, lats = to_wgs84(np.array([p["lon"] for _, p in points], float),
                              np.array([p["lat"] for _, p in points], float), crs)
        for (placed, _), lon, lat in zip(points, np.asarray(lons).tolist(), np.asarray(lats).tolist(), strict=True):
            placed.lon, placed.lat, placed.crs_in, placed.location_method = lon, lat, crs, "coordinates"
    for text, hubs in by_text.items():
        _place_by_address(hubs, text, geo)
    for source, hubs in by_source.items():
        _place_at_device(hubs, registry.get(device_id_of(source)))
    located = [e for e in events if e.hub and e.hub.lon is not None]
    hubs = [e.hub for e in located if e.hub]
    if hubs:
        cells = geo.cell_ids(np.fromiter((h.lon for h in hubs), float, len(hubs)),
                             np.fromiter((h.lat for h in hubs), float, len(hubs)))
        _fill_many(hubs, cells.tolist(), geo)
    outside = [e for e in located if e.hub and not e.hub.district_code]
    dead = [DeadLetter.of(e.message, _outside_reason(e)) for e in outside]
    if outside:
        gone = {id(e) for e in outside}
        inside = [e for e in events if id(e) not in gone]
    else:
        inside = list(events)
    _nearest_addresses([e for e in inside if e.hub and e.hub.district_code and not e.hub.standard_address_id], geo)
    return inside, dead


def _nearest_addresses(events: list[Event], geo: CityGeo) -> None:
    """Give a point its standard address when one stands within ADDRESS_REACH_M (一标三实: every record on
    a standard address); a sensor in the fields or hills keeps only its grid cell.

    A fixed sensor reports the same point again and again: the answer for a point is remembered (for the
    loaded geography, which does not change while it is loaded), and only new points are looked up."""
    if not events:
        return
    known = _nearest_known.get(geo)
    if known is None:
        known = _nearest_known[geo] = {}
    points = [(e.hub.lon, e.hub.lat) if e.hub else (math.nan, math.nan) for e in events]
    new = list(dict.fromkeys(p for p in points if p not in known))
    if new:
        if len(known) + len(new) > NEAREST_KEPT:
            known.clear()
        lons = np.fromiter((lon for lon, _ in new), float, len(new))
        lats = np.fromiter((lat for _, lat in new), float, len(new))
        known.update(zip(new, geo.nearest_addresses(lons, lats), strict=True))
    for event, point in zip(events, points, strict=True):
        found = known.get(point)  # None only for a point that equals nothing, not even itself (NaN)
        if found is not None and found[2] <= ADDRESS_REACH_M and event.hub is not None:
            event.hub.standard_address_id, event.hub.standard_address = found[0], found[1]


def _place_by_address(hubs: list[HubBlock], text: Any, geo: CityGeo) -> None:
    """Events that carry address text: at the standard address it matches, else left unplaced."""
    found = geocoded(geo, text)
    if found is None:
        return
    lon, lat, address_id, standard, confidence = found
    for hub in hubs:
        hub.lon, hub.lat, hub.location_method = lon, lat, "address"
        hub.standard_address_id, hub.standard_address, hub.geocode_confidence = address_id, standard, confidence


def geocoded(geo: CityGeo, text: Any) -> tuple[float, float, str, str, float] | None:
    """(lon, lat, address id, standard text, confidence) of the text's match, None for no match.

    The geocoder is pure over the loaded geography, which does not change while it is loaded: the answer
    for a text is remembered (bounded, per geography), and only new texts are geocoded."""
    if not isinstance(text, str):
        return _match(geo.geocode(text))
    known = _geocoded_known.get(geo)
    if known is None:
        known = _geocoded_known[geo] = {}
    if text in known:
        return known[text]
    if len(known) >= TEXTS_KEPT:
        known.clear()
    found = known[text] = _match(geo.geocode(text))
    return found


def _match(found: dict[str, Any]) -> tuple[float, float, str, str, float] | None:
    if not found["matched"]:
        return None
    return found["lon"], found["lat"], found["address_id"], found["text"], found["confidence"]


def _place_at_device(hubs: list[HubBlock], device: dict[str, Any] | None) -> None:
    """Events that carry no location: at their device's registry position, else left unplaced."""
    if not device:
        return
    lon, lat, address_id, address = device["lon"], device["lat"], device.get("address_id"), device.get("address")
    for hub in hubs:
        hub.lon, hub.lat, hub.location_method = lon, lat, "device"
        hub.standard_address_id, hub.standard_address = address_id, address


def _fill_many(hubs: list[HubBlock], cells: list[int], geo: CityGeo) -> None:
    """Grid cell and units of each located point: each cell's codes and names read once per batch."""
    rows: dict[int, tuple[str | None, ...]] = {}
    for hub, cell in zip(hubs, cells, strict=True):
        row = rows.get(cell)
        if row is None:
            row = rows[cell] = _cell_fields(*geo.cell_units(cell), geo.name)
        if row:  # outside the city: left as it is, dead-lettered by the caller
            (hub.grid_code, hub.community_code, hub.town_code, hub.district_code, hub.community_name,
             hub.town_name, hub.district_name) = row


def _cell_fields(grid: str, community: str, town: str, district: str,
                 names: Callable[[str], str]) -> tuple[str | None, ...]:
    """A cell's grid, community, town and district codes, then the three names; () outside the city."""
    if not district:
        return ()
    return (grid or None, community or None, town or None, district, (community and names(community)) or None,
            (town and names(town)) or None, names(district) or None)


def _outside_reason(event: Event) -> str:
    hub = event.hub
    assert hub is not None
    return f"location outside Jiangmen: ({hub.lon:.5f}, {hub.lat:.5f}) WGS84 from {hub.crs_in or hub.location_method}"
