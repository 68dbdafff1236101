"""CRS conversions: round trips and the size of the GCJ-02 offset in Jiangmen."""

from __future__ import annotations

import numpy as np
import pytest

from hub.geo.crs import (
    bd09_to_wgs84,
    distance_m,
    gcj02_to_wgs84,
    normalize_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

RNG = np.random.default_rng(7)
LON = RNG.uniform(111.9, 113.3, 2000)
LAT = RNG.uniform(21.4, 22.9, 2000)


def test_gcj02_round_trip_is_sub_millimetre() -> None:
    glon, glat = wgs84_to_gcj02(LON, LAT)
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert float(np.max(distance_m(lon, lat, LON, LAT))) < 1e-3


def test_bd09_round_trip_is_sub_millimetre() -> None:
    blon, blat = wgs84_to_bd09(LON, LAT)
    lon, lat = bd09_to_wgs84(blon, blat)
    assert float(np.max(distance_m(lon, lat, LON, LAT))) < 1e-3


def test_gcj02_offset_in_jiangmen_is_a_few_hundred_metres() -> None:
    glon, glat = wgs84_to_gcj02(LON, LAT)
    offset = distance_m(LON, LAT, glon, glat)
    assert float(offset.min()) > 300 and float(offset.max()) < 800


def test_scalars_stay_scalars_and_to_wgs84_dispatches() -> None:
    glon, glat = wgs84_to_gcj02(113.0815, 22.5790)
    assert isinstance(glon, float) and isinstance(glat, float)
    lon, lat = to_wgs84(glon, glat, "GCJ-02")
    assert abs(lon - 113.0815) < 1e-8 and abs(lat - 22.5790) < 1e-8
    assert to_wgs84(113.0, 22.0, "wgs84") == (113.0, 22.0)
    blon, blat = wgs84_to_bd09(113.0, 22.0)
    lon, lat = to_wgs84(blon, blat, "bd09")
    assert abs(lon - 113.0) < 1e-8 and abs(lat - 22.0) < 1e-8


def test_unknown_crs_is_rejected() -> None:
    assert normalize_crs("BD09") == "bd09"
    with pytest.raises(ValueError, match="unknown crs"):
        to_wgs84(113.0, 22.0, "utm50")
