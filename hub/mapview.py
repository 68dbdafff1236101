"""The live map page: base layers defined with pydeck, drawn by the deck.gl bundle pydeck ships."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pydeck

from hub.geo import CityGeo

STATIC = Path(__file__).resolve().parent / "static"
JIANGMEN_VIEW = pydeck.ViewState(longitude=112.75, latitude=22.28, zoom=8.2, pitch=0, bearing=0)


def base_deck(geo: CityGeo) -> pydeck.Deck:
    districts = pydeck.Layer(
        "GeoJsonLayer", id="districts", data=geo.districts_geojson(), stroked=True, filled=True,
        get_fill_color=[24, 64, 96, 140], get_line_color=[120, 200, 255, 220], line_width_min_pixels=1.5,
        pickable=True,
    )
    events = pydeck.Layer(
        "ScatterplotLayer", id="events", data=[], get_position=["lon", "lat"], get_radius=120,
        radius_min_pixels=3, get_fill_color=[255, 140, 0, 220], pickable=True,
    )
    return pydeck.Deck(layers=[districts, events], initial_view_state=JIANGMEN_VIEW, map_provider=None,
                       map_style=None, tooltip=True)


@cache
def _deck_json(geo: CityGeo) -> str:
    return base_deck(geo).to_json()


def map_page(geo: CityGeo) -> str:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return page.replace("__DECK_JSON__", json.dumps(json.loads(_deck_json(geo)), ensure_ascii=False))
