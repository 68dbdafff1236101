"""12345 work orders join the incident they report, as a sensor at their geocoded address does: the
citizen's own words (flooding, fire, gas smell, a fallen tree, a missing manhole cover) against each
related group's conditions in `hub/data/related_types.yaml`, placed by the real geocoder."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from hub.geo import load_city
from hub.incidents.correlate import Correlator
from hub.incidents.model import Sighting
from hub.incidents.related import load_related
from hub.pipeline.rules import load_rules
from tests.incidents.factory import T0, sighting

SITE = "蓬江区白沙大道381号"  # where the opening alarm is
SAID = "江门市白沙大道３８１號对面"  # how the caller gives the same place


@functools.cache
def placed(text: str) -> dict[str, Any]:
    found = load_city().geocode(text)
    assert found["matched"], found
    return found


def at(event_type: str, data: dict[str, Any], text: str, alarms: list[str] | None = None) -> Sighting:
    where = placed(text)
    return sighting(event_type, data, point=(where["lon"], where["lat"]), grid=where["grid_code"],
                    district=where["district_code"], alarms=alarms, severity=3 if alarms else 1, at=T0)


OPENERS = {
    "flood": ("city.water.waterlogging", {"sensor_id": "W", "depth_cm": 30}, ["water.waterlogging.deep"]),
    "fire": ("city.fire.alarm", {"panel_id": "P", "state": "fire"}, ["fire.alarm.active"]),
    "gas-leak": ("city.iot.gas", {"detector_id": "G", "gas_lel": 30}, ["iot.gas.alarm"]),
    "city-component": ("city.iot.manhole", {"manhole_id": "M", "state": "open"}, ["iot.manhole.open"]),
}
SAYINGS = [
    ("flood", "路口淹到膝盖了，车都熄火", "道路问题"), ("flood", "地下车库被水淹", "地下车库"),
    ("flood", "水浸街，行人过不去", "咨询"), ("flood", "小区门口内涝很严重", "小区"),
    ("flood", "店铺门口一直有人打电话说进不去", "积水"),
    ("fire", "隔壁仓库失火了，有火光", "求助"), ("fire", "楼下着火，浓烟很大", "求助"),
    ("gas-leak", "楼道里有很大的煤气味", "异味"), ("gas-leak", "闻到臭鸡蛋味，怀疑漏气", "求助"),
    ("city-component", "台风把大树吹倒了，压在路边", "市政"), ("city-component", "沙井盖不见了，很危险", "市政"),
    ("city-component", "人行道上的井盖被偷了", "市政"),
]


@pytest.mark.parametrize(("group", "words", "title"), SAYINGS, ids=[s[1][:8] for s in SAYINGS])
def test_a_work_order_joins_the_incident_it_reports_at_its_geocoded_address(group: str, words: str,
                                                                            title: str) -> None:
    c = Correlator(load_related(), load_rules().name)
    index = c.index()
    kind, data, alarms = OPENERS[group]
    [opened] = c.decide([at(kind, data, SITE, alarms)], index, T0)
    assert opened.incident.kind == group
    order = at("city.hotline.workorder", {"order_id": "JM12345-1", "description": words, "title": title,
                                          "category": ["城市管理"]}, SAID)
    order.time = T0 + 600
    [joined] = c.decide([order], index, T0)
    assert joined.incident is opened.incident and not joined.opened


def test_a_work_order_about_something_else_stays_out_of_a_flood() -> None:
    c = Correlator(load_related(), load_rules().name)
    index = c.index()
    kind, data, alarms = OPENERS["flood"]
    c.decide([at(kind, data, SITE, alarms)], index, T0)
    order = at("city.hotline.workorder", {"order_id": "JM12345-2", "description": "路灯不亮", "title": "路灯",
                                          "category": ["城市管理"]}, SAID)
    order.time = T0 + 600
    assert c.decide([order], index, T0) == []
