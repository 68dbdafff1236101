"""The live map page: base layers defined with pydeck, drawn by the deck.gl bundle pydeck ships.

The city's own geography is the base map (no tile server): districts, towns, communities and
the unit grid. Layers that never change are defined here with pydeck and travel to the page as
deck JSON; live layers (events, heat, incidents, alarms, devices) are built in the page with
deck.gl's classes. The same definitions make the offline snapshot (`cityhub map snapshot`).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pydeck
import shapely
from shapely.geometry import shape

from hub.geo import CityGeo
from hub.incidents.views import flow_view
from hub.pipeline.routing import categories

STATIC = Path(__file__).resolve().parents[1] / "static"
DECKGL_BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"
JIANGMEN_VIEW = pydeck.ViewState(longitude=112.72, latitude=22.30, zoom=8.3, pitch=0, bearing=0)
FONT = '"Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"'

# domain → Chinese name, English name, glyph on the map, colour (RGB)
DOMAINS: dict[str, tuple[str, str, str, tuple[int, int, int]]] = {
    "weather": ("气象", "Weather", "气", (120, 170, 255)),
    "grid": ("网格", "Grid patrol", "格", (80, 220, 200)),
    "emergency": ("应急", "Emergency", "应", (255, 90, 90)),
    "fire": ("消防", "Fire", "火", (255, 110, 40)),
    "water": ("水利", "Water", "水", (40, 160, 255)),
    "env": ("环保", "Environment", "环", (110, 210, 90)),
    "iot": ("物联", "IoT components", "物", (190, 140, 255)),
    "construction": ("工地", "Construction", "工", (240, 200, 60)),
    "vehicle": ("车辆", "Vehicles", "车", (150, 190, 210)),
    "parking": ("停车", "Parking", "停", (0, 200, 255)),
    "traffic": ("交通", "Traffic", "交", (255, 160, 200)),
    "hotline": ("热线", "12345 hotline", "热", (255, 220, 140)),
    "video": ("视频", "Video", "视", (200, 200, 200)),
}
OTHER_DOMAIN = ("其他", "Other", "•", (170, 170, 170))
DISTRICTS_EN = {"440703": "Pengjiang", "440704": "Jianghai", "440705": "Xinhui", "440781": "Taishan",
                "440783": "Kaiping", "440784": "Heshan", "440785": "Enping"}
SEVERITIES = (("提示", "Info"), ("一般", "Notice"), ("较重", "Minor"), ("严重", "Major"), ("特别严重", "Critical"))


def domain_color(domain: str, alpha: int = 220) -> list[int]:
    return [*DOMAINS.get(domain, OTHER_DOMAIN)[3], alpha]


def _layer_doc(geo: CityGeo, name: str) -> dict[str, Any] | None:
    """A geography layer the geography module provides, or None while it has not landed."""
    method = getattr(geo, f"{name}_geojson", None)
    if method is None:
        return None
    try:
        doc = method()
    except (FileNotFoundError, NotImplementedError, ValueError):
        return None
    return doc if doc and doc.get("features") else None


def _labels(doc: dict[str, Any]) -> list[dict[str, Any]]:
    labels = []
    for feat in doc["features"]:
        props = feat.get("properties") or {}
        if not props.get("name") or not feat.get("geometry"):
            continue
        point = shapely.point_on_surface(shape(feat["geometry"]))
        labels.append({"code": props.get("code", ""), "name": props["name"],
                       "position": [round(point.x, 5), round(point.y, 5)]})
    return labels


def outline(layer_id: str, data: Any, line: list[int], width: float, fill: list[int] | None = None,
            visible: bool = True) -> pydeck.Layer:
    return pydeck.Layer(
        "GeoJsonLayer", id=layer_id, data=data, stroked=True, filled=fill is not None,
        get_fill_color=fill or [0, 0, 0, 0], get_line_color=line, line_width_units='"pixels"',
        get_line_width=width, pickable=fill is not None, visible=visible,
    )


def labels(layer_id: str, data: list[dict[str, Any]], size: int, color: list[int],
           visible: bool = True) -> pydeck.Layer:
    return pydeck.Layer(
        "TextLayer", id=layer_id, data=data, get_position="position", get_text="name", get_size=size,
        get_color=color, character_set='"auto"', font_family=FONT, font_weight=600,
        outline_width=3, outline_color=[4, 12, 22, 255], font_settings={"sdf": True},
        get_text_anchor='"middle"', get_alignment_baseline='"center"', visible=visible,
    )


def base_layers(geo: CityGeo) -> list[pydeck.Layer]:
    """The city's own geography, bottom to top. Towns and communities appear once geography has them."""
    districts = geo.districts_geojson()
    layers = [outline("districts", districts, [90, 190, 255, 230], 1.6, fill=[14, 44, 72, 200])]
    towns = _layer_doc(geo, "towns")
    communities = _layer_doc(geo, "communities")
    if communities:
        layers.append(outline("communities", communities, [70, 130, 170, 110], 0.5, visible=False))
    if towns:
        layers.append(outline("towns", towns, [80, 160, 220, 170], 0.9))
    # unit-grid cells come from /api/layers/cells?bbox= when zoomed in; the page fills this layer
    layers.append(outline("cells", [], [70, 150, 200, 90], 0.6, visible=False))
    layers.append(labels("district-labels", _labels(districts), 16, [200, 230, 255, 255]))
    if towns:
        layers.append(labels("town-labels", _labels(towns), 12, [150, 200, 235, 230], visible=False))
    return layers


def base_deck(geo: CityGeo, extra: list[pydeck.Layer] | None = None) -> pydeck.Deck:
    """The base geography with `extra` layers drawn above the areas and below the place names."""
    layers = base_layers(geo)
    under = [layer for layer in layers if not layer.id.endswith("-labels")]
    names = [layer for layer in layers if layer.id.endswith("-labels")]
    return pydeck.Deck(layers=[*under, *(extra or []), *names], initial_view_state=JIANGMEN_VIEW,
                       map_provider=None, map_style=None, tooltip=False)


def meta(geo: CityGeo) -> dict[str, Any]:
    """What the page must not hard-code: districts and towns by code, domains, severities, the case flow."""
    names = {f["properties"]["code"]: f["properties"]["name"] for f in geo.districts_geojson()["features"]}
    towns = _layer_doc(geo, "towns")
    town_names = {}
    for feat in (towns or {}).get("features", []):
        props = feat.get("properties") or {}
        if props.get("code"):
            town_names[props["code"]] = {"name": props.get("name", ""), "district": props.get("district_code")
                                         or str(props["code"])[:6]}
    return {
        "bbox": list(shapely.union_all([shape(f["geometry"]) for f in geo.districts_geojson()["features"]]).bounds),
        "districts": names, "districts_en": DISTRICTS_EN, "towns": town_names, "types": type_names(),
        "domains": {k: {"zh": v[0], "en": v[1], "glyph": v[2], "color": list(v[3])} for k, v in DOMAINS.items()},
        "other": {"zh": OTHER_DOMAIN[0], "en": OTHER_DOMAIN[1], "glyph": OTHER_DOMAIN[2],
                  "color": list(OTHER_DOMAIN[3])},
        "severities": [list(s) for s in SEVERITIES], "flow": flow_view(),
    }


def type_names() -> dict[str, str]:
    """Event type → its small class in Chinese (the classification's name after the slash)."""
    return {t: str(row.get("category_name", "")).split("/")[-1] for t, row in categories().items()
            if isinstance(row, dict) and row.get("category_name")}


def _script_json(value: Any) -> str:
    """JSON safe to put inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


@cache
def _page_parts(geo: CityGeo) -> tuple[str, str]:
    return _script_json(json.loads(base_deck(geo).to_json())), _script_json(meta(geo))


def map_page(geo: CityGeo) -> str:
    deck_json, meta_json = _page_parts(geo)
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    return page.replace("__DECK_JSON__", deck_json).replace("__META_JSON__", meta_json)


# ---- the offline snapshot ---------------------------------------------------------------------

def snapshot_layers(events: list[dict[str, Any]]) -> list[pydeck.Layer]:
    """A period's events: unit-grid heat, then one dot per event coloured by domain."""
    points = [
        {"position": [e["lon"], e["lat"]], "color": domain_color(e.get("domain", "")),
         "type": e.get("type", ""), "time": e.get("time", ""), "domain": DOMAINS.get(e.get("domain", ""),
                                                                                     OTHER_DOMAIN)[0],
         "place": e.get("address") or e.get("grid_code") or "", "district": e.get("district_name") or "",
         "grid": e.get("grid_code") or "", "severity": e.get("severity", 0)}
        for e in events if e.get("lon") is not None and e.get("lat") is not None
    ]
    heat = pydeck.Layer(
        "HexagonLayer", id="heat", data=points, get_position="position", radius=900, opacity=0.5, coverage=0.9,
        color_range=[[12, 60, 90], [20, 110, 140], [60, 170, 160], [230, 200, 70], [250, 130, 40], [240, 50, 40]],
        extruded=False, pickable=False,
    )
    dots = pydeck.Layer(
        "ScatterplotLayer", id="events", data=points, get_position="position", get_fill_color="color",
        get_radius=90, radius_min_pixels=2.5, radius_max_pixels=10, stroked=True, get_line_color=[4, 12, 22, 200],
        line_width_min_pixels=0.5, pickable=True,
    )
    return [heat, dots]


def snapshot_page(geo: CityGeo, events: list[dict[str, Any]], title: str, subtitle: str) -> str:
    """A self-contained HTML page: deck.gl bundle inlined, no request leaves the file."""
    deck = base_deck(geo, snapshot_layers(events))
    tooltip = {"html": "<b>{domain}</b> {type}<br>{time}<br>{district} {place}<br>网格 {grid}",
               "style": {"background": "#0b1c2c", "color": "#d8e6f3", "fontSize": "12px"}}
    legend = "".join(
        f'<span><i style="background:rgb{v[3]}"></i>{v[0]}</span>'
        for k, v in DOMAINS.items() if any(e.get("domain") == k for e in events))
    parts = {
        "__TITLE__": html.escape(title), "__SUBTITLE__": html.escape(subtitle), "__LEGEND__": legend,
        "__COUNT__": str(len(events)), "__DECK_JSON__": _script_json(json.loads(deck.to_json())),
        "__TOOLTIP__": _script_json(tooltip),
        "__DECKGL_JS__": DECKGL_BUNDLE.read_text(encoding="utf-8").replace("</script", "<\\/script"),
    }
    template = (STATIC / "snapshot.html").read_text(encoding="utf-8")
    return re.sub("|".join(parts), lambda m: parts[m.group(0)], template)
