"""The standard address library: size, records, grid codes, nearest, listing."""

from __future__ import annotations

import numpy as np
import pytest

from hub.geo import load_city
from hub.geo.city import CityGeo


@pytest.fixture(scope="module")
def city() -> CityGeo:
    return load_city()


def test_library_is_large_and_every_address_sits_in_its_cell(city: CityGeo) -> None:
    lib = city.library
    assert len(lib) >= 200_000
    assert len(set(lib.ids.tolist())) == len(lib)
    batch = city.locate_many(lib.lon, lib.lat)
    assert np.array_equal(batch.grid_code, lib.cell_codes[lib.cell])
    assert np.all(np.char.startswith(lib.ids, batch.community_code))


def test_record_has_components_and_point(city: CityGeo) -> None:
    lib = city.library
    kinds = {lib.place_kind[p] for p in lib.place[::5000]}
    assert kinds == {"road", "village"}
    rec = city.address(lib.id_of(12345))
    assert rec is not None
    comp = rec["components"]
    assert rec["text"].startswith("江门市" + comp["district"] + comp["town"])
    assert rec["text"].endswith(comp["house_number"] + (comp["building"] or ""))
    assert (comp["road"] is None) != (comp["village"] is None)
    assert len(rec["grid_code"]) == 15 and rec["grid_code"].startswith(rec["community_code"])
    assert city.address("nope") is None
    suffixes = {n[-2:] if n.endswith(("大道", "大街")) else n[-1] for n in lib.place_name}
    assert {"大道", "路", "街", "巷", "村"} <= suffixes
    assert np.any(lib.building > 0)


def test_nearest_address(city: CityGeo) -> None:
    lib = city.library
    near = city.nearest_address(float(lib.lon[777]) + 1e-6, float(lib.lat[777]))
    assert near["id"] == lib.id_of(777) or near["distance_m"] < 1.0
    assert set(near) == {"id", "text", "lon", "lat", "distance_m"}


def test_addresses_filters_and_pages(city: CityGeo) -> None:
    town = city.units.towns[5]["code"]
    first = city.addresses(town=town, limit=10)
    second = city.addresses(town=town, limit=10, offset=10)
    assert len(first) == 10 and len(second) == 10
    assert {r["town_code"] for r in first + second} == {town}
    assert not {r["id"] for r in first} & {r["id"] for r in second}
    road = first[0]["components"]["road"] or first[0]["components"]["village"]
    found = city.addresses(district=town[:6], q=road, limit=5)
    assert found and all(road in r["text"] for r in found)
    assert city.addresses(district="440781", limit=3)[0]["district_code"] == "440781"


def test_nearest_address_is_exact_against_brute_force(city: CityGeo) -> None:
    from hub.geo.crs import distance_m

    lib = city.library
    rng = np.random.default_rng(3)
    for x, y in zip(rng.uniform(112.0, 113.25, 60), rng.uniform(21.6, 22.85, 60), strict=True):
        _, dist = lib.nearest_one(float(x), float(y))
        assert abs(dist - float(distance_m(x, y, lib.lon, lib.lat).min())) < 1e-6


def test_ids_round_trip(city: CityGeo) -> None:
    lib = city.library
    for i in (0, 1, 4096, len(lib) - 1):
        assert lib.row_of(lib.id_of(i)) == i
    assert lib.row_of("44070300210199999") == -1 and lib.row_of("x") == -1


def test_located_is_the_record_without_its_components(city: CityGeo) -> None:
    lib = city.library
    for i in np.random.default_rng(30).integers(0, len(lib), 3000).tolist():
        record = lib.record(i)
        del record["components"]
        assert lib.located(i) == record, i
