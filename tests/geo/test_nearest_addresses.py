"""Every point gets the standard address the exact search names, in one batched query."""

from __future__ import annotations

import numpy as np

from hub.geo import load_city


def test_batched_nearest_agrees_with_the_exact_search() -> None:
    city = load_city()
    rng = np.random.default_rng(2021)
    lons, lats = rng.uniform(112.3, 113.2, 400), rng.uniform(21.9, 22.8, 400)
    found = city.nearest_addresses(lons, lats)
    for (address_id, text, distance), lon, lat in zip(found, lons, lats, strict=True):
        exact = city.nearest_address(lon, lat)
        assert abs(exact["distance_m"] - distance) < 1.0, (lon, lat)
        if exact["id"] != address_id:  # only a tie may name another address
            assert abs(exact["distance_m"] - distance) < 0.1
        else:
            assert exact["text"] == text
