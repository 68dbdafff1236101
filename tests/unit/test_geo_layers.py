"""GeoJSON layers are small enough for a browser and labelled real or derived."""

from __future__ import annotations

import json

from hub.geo import load_city
from hub.geo.city import default_data_dir


def _size(doc: dict) -> int:
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def test_layer_sizes_and_properties() -> None:
    city = load_city()
    districts, towns, communities = city.districts_geojson(), city.towns_geojson(), city.communities_geojson()
    assert _size(districts) < 300_000 and _size(towns) < 1_000_000 and _size(communities) < 3_000_000
    assert len(districts["features"]) == 7 and len(towns["features"]) == 73
    assert {f["properties"]["district_code"] for f in towns["features"]} == {
        f["properties"]["code"] for f in districts["features"]}
    assert "DERIVED" in towns["note"] and "DERIVED" in communities["note"]
    assert all(f["properties"]["town_code"][:6] == f["properties"]["district_code"]
               for f in communities["features"])


def test_cells_by_bbox() -> None:
    city = load_city()
    some = city.cells_geojson((113.05, 22.55, 113.10, 22.60))
    assert some["features"] and all(len(f["properties"]["code"]) == 15 for f in some["features"])
    assert len(city.cells_geojson()["features"]) == len(city.cell_codes)


def test_committed_data_stays_small() -> None:
    total = sum(p.stat().st_size for p in default_data_dir().rglob("*") if p.is_file())
    assert total < 60_000_000
