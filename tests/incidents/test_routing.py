"""Routing by the responsibility list (权责清单): type, category and place; a changed file changes routing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.pipeline.routing import (
    DATA,
    ResponsibilityList,
    classify_and_route,
    parse_responsibility_list,
    responsibility_list,
)
from hub.pipeline.rules import event_view
from hub.supervision.classes import class_table
from tests.incidents.factory import event

TYPES_OF_THE_PLAN = [
    "city.weather.warning", "city.grid.case", "city.emergency.incident", "city.emergency.hazmat.reading",
    "city.emergency.geohazard.alert", "city.emergency.forestfire.alert", "city.fire.alarm", "city.fire.fault",
    "city.fire.hydrant.pressure", "city.water.level", "city.water.rainfall", "city.env.air", "city.env.discharge",
    "city.iot.streetlight", "city.iot.manhole", "city.iot.gas", "city.iot.bridge", "city.water.waterlogging",
    "city.vehicle.position", "city.construction.dust", "city.construction.noise", "city.parking.occupancy",
    "city.parking.berth", "city.traffic.flow", "city.traffic.congestion", "city.hotline.workorder",
    "city.video.alert",
]


@pytest.mark.parametrize(("event_type", "district", "town", "grid", "department"), [
    ("city.fire.alarm", "440703", None, None, "江门市消防救援支队"),
    ("city.fire.alarm", "440781", None, None, "台山市消防救援大队"),
    ("city.water.level", "440705", None, None, "江门市水利局"),
    ("city.water.waterlogging", "440703", None, None, "蓬江区城市管理和综合执法局"),
    ("city.water.waterlogging", "440784", None, None, "江门市城市管理和综合执法局"),
    ("city.env.air", "440783", None, None, "江门市生态环境局开平分局"),
    ("city.emergency.incident", "440785", None, None, "恩平市应急管理局"),
    ("city.emergency.geohazard.alert", "440785", None, None, "江门市自然资源局"),
    ("city.emergency.forestfire.alert", "440784", None, None, "江门市林业局"),
    ("city.construction.dust", "440704", None, None, "江门市住房和城乡建设局"),
    ("city.traffic.congestion", "440703", None, None, "江门市公安局交通警察支队"),
    ("city.weather.warning", "440781", None, None, "江门市气象局"),
    ("city.hotline.workorder", "440703", None, None, "江门市12345政务服务便民热线"),
    ("city.grid.case", "440703", "440703002", "440703002003007", "白沙街道综合行政执法办公室"),
    ("city.grid.case", "440705", "440705001", None, "会城街道综合行政执法办公室"),
    ("city.grid.case", "440705", "440705101", None, "新会区城市管理和综合执法局"),
])
def test_routing_by_type_and_place(event_type: str, district: str, town: str | None, grid: str | None,
                                   department: str) -> None:
    duty = responsibility_list().duty_for(event_type, district, town, grid)
    assert duty is not None and duty.department == department and duty.time_limit_h > 0


def test_every_type_of_the_plan_has_a_department_and_a_time_limit() -> None:
    for event_type in TYPES_OF_THE_PLAN:
        for district in ("440703", "440704", "440705", "440781", "440783", "440784", "440785"):
            duty = responsibility_list().duty_for(event_type, district)
            assert duty is not None, (event_type, district)


def test_video_alerts_route_by_what_the_camera_saw() -> None:
    parking = event("city.video.alert", {"alert_id": "1", "camera_id": "C", "kind": "illegal_parking"})
    vending = event("city.video.alert", {"alert_id": "2", "camera_id": "C", "kind": "street_vending"})
    classify_and_route([parking, vending])
    assert parking.hub and parking.hub.department == "江门市公安局交通警察支队"
    assert vending.hub and vending.hub.department == "蓬江区城市管理和综合执法局"


def test_the_stage_limits_are_in_the_file() -> None:
    duties = responsibility_list()
    assert duties.stage_limit_h("reported") == 0.5 and duties.stage_limit_h("verified") == 2
    assert duties.escalate_to == "江门市城市运行管理中心"


def test_routing_follows_an_edited_copy_of_the_list(tmp_path: Path) -> None:
    doc = yaml.safe_load((DATA / "responsibility_list.yaml").read_text(encoding="utf-8"))
    doc["duties"].insert(0, {"types": ["city.water.waterlogging"], "towns": ["440703002"],
                             "department": "白沙街道应急管理办公室", "time_limit_h": 0.75})
    copy = tmp_path / "responsibility_list.yaml"
    copy.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    edited = responsibility_list(copy)

    here = event("city.water.waterlogging", {"sensor_id": "W", "depth_cm": 5}, town="440703002")
    there = event("city.water.waterlogging", {"sensor_id": "W", "depth_cm": 5}, town="440703005")
    classify_and_route([here, there], edited)
    assert here.hub and (here.hub.department, here.hub.time_limit_h) == ("白沙街道应急管理办公室", 0.75)
    assert there.hub and there.hub.department == "蓬江区城市管理和综合执法局"
    classify_and_route([here])  # the shipped list is unchanged
    assert here.hub.department == "蓬江区城市管理和综合执法局"


def test_the_first_version_bare_list_still_reads_and_bad_rows_are_named() -> None:
    old = parse_responsibility_list([{"types": ["city.*"], "department": "X", "time_limit_h": 1}])
    assert old.duty_for("city.a.b") is not None and old.stage_limits_h == {}
    with pytest.raises(ValueError, match="row 0"):
        parse_responsibility_list({"duties": [{"types": ["city.*"], "time_limit_h": 1}]})
    with pytest.raises(ValueError, match="unknown stages"):
        parse_responsibility_list({"duties": [], "stage_limits_h": {"closed": 1}})


def _placed_batch(count: int) -> list[Any]:
    from bench.load import build_load
    from hub.events import Message
    from hub.geo import load_city
    from hub.pipeline.decode import Limits, decode_batch
    from hub.pipeline.placement import place
    from hub.registry import load_registry

    load = build_load(count, seed=5, address_share=0.2, device_share=0.2)
    events, dead = decode_batch([Message(payload, topic, "mqtt") for topic, _, payload in load.items], Limits())
    assert not dead
    placed, _ = place(events, load_city(), load_registry())
    return placed


def _routed_alone(event: Any, duties: ResponsibilityList) -> tuple[Any, ...]:
    """What routing gives an event by the plain path: its class read, then every duty row tried in order."""
    classes, hub, data = class_table(), event.hub, event.ce.get("data")
    kind = classes.types.get(event.ce["type"], {})
    hub.category, hub.category_name = kind.get("category"), kind.get("category_name")
    hub.severity = max(hub.severity, int(kind.get("severity", 0)))
    hub.plan_items = list(kind.get("plan_items", ()))
    chosen = classes.of_report(data.get("category")) if isinstance(data, dict) else None
    if chosen is not None:
        hub.category, hub.category_name = chosen.code, chosen.full_name
        hub.department = chosen.department_at(hub.district_code, hub.town_code)
        hub.time_limit_h = chosen.limit.seconds / 3600
    else:
        duty = duties.duty_for(event.ce["type"], hub.district_code, hub.town_code, hub.grid_code, hub.category,
                               event_view(event))
        if duty:
            hub.department, hub.time_limit_h = duty.department, duty.time_limit_h
    return _routing(event)


def _routing(event: Any) -> tuple[Any, ...]:
    hub = event.hub
    return (hub.category, hub.category_name, hub.severity, hub.plan_items, hub.department, hub.time_limit_h)


def test_a_batch_routes_as_each_event_by_the_plain_path() -> None:
    duties = parse_responsibility_list(yaml.safe_load((DATA / "responsibility_list.yaml").read_text("utf-8")))
    batch = _placed_batch(900)
    video = [event("city.video.alert", {"alert_id": str(n), "camera_id": "C", "kind": kind})
             for n, kind in enumerate(["illegal_parking", "street_vending"] * 3)]
    grid_cases = [event("city.grid.case", {"case_id": "1"}, district=d, town=t, grid=g) for d, t, g in (
        ("440703", "440703002", "440703002003007"), ("440705", "440705001", None), ("440705", "440705101", None))]
    events = batch + video + grid_cases
    plain = [copy.deepcopy(e) for e in events]
    for _ in range(2):  # the rows looked up, then remembered
        classify_and_route(events, duties)
    expected = [_routed_alone(e, duties) for e in plain]
    assert [_routing(e) for e in events] == expected
    assert len({r[4] for r in expected}) > 10 and any(e.ce["data"].get("category") for e in events)
