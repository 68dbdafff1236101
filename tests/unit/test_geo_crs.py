"""CRS conversions: round trips and the size of the GCJ-02 offset in Jiangmen."""

from __future__ import annotations

import numpy as np
import pytest

from hub.geo.crs import (
    FEW_POINTS,
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


@pytest.mark.parametrize("to_wgs", [gcj02_to_wgs84, bd09_to_wgs84])
def test_a_few_points_one_at_a_time_give_what_the_arrays_give(to_wgs) -> None:  # type: ignore[no-untyped-def]
    """Below FEW_POINTS the inverse runs per point on floats: the same transform, the same answers, also for
    points outside China and for values math.sin refuses (they take the array path)."""
    lon = np.concatenate([LON[:20], [-73.98, 151.2, np.nan, np.inf]])
    lat = np.concatenate([LAT[:20], [40.75, -33.87, 22.5, 22.5]])
    assert len(lon) < FEW_POINTS <= len(LON)
    with np.errstate(invalid="ignore"):  # numpy's sin of infinity is NaN, with a warning
        many_lon, many_lat = to_wgs(np.concatenate([lon, LON]), np.concatenate([lat, LAT]))  # the array path
        few_lon, few_lat = to_wgs(lon, lat)  # (the infinity sends these to the array path too)
        few_lon[:22], few_lat[:22] = to_wgs(lon[:22], lat[:22])  # the finite ones: per point
    assert isinstance(few_lon, np.ndarray) and few_lon.shape == lon.shape
    np.testing.assert_allclose(few_lon, many_lon[:len(lon)], rtol=0, atol=1e-12)
    np.testing.assert_allclose(few_lat, many_lat[:len(lat)], rtol=0, atol=1e-12)
    one = to_wgs(float(lon[0]), float(lat[0]))
    assert all(isinstance(v, float) for v in one)
    assert abs(one[0] - many_lon[0]) < 1e-12 and abs(one[1] - many_lat[0]) < 1e-12
    if to_wgs is gcj02_to_wgs84:
        assert (few_lon[20], few_lat[20]) == (-73.98, 40.75)  # outside China GCJ-02 is WGS84
