"""The case classes (hub/data/categories.yaml) and routing by the class a reporter chose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from adapters.registry import case_types
from hub.pipeline.routing import classify_and_route
from hub.supervision.classes import CATEGORIES, class_table, parse_class_table
from simulators.reports import EVERYDAY, TOPICS
from tests.incidents.factory import event


def test_every_class_has_its_conditions_limit_and_a_department_everywhere() -> None:
    table = class_table()
    assert len(table.classes) >= 40
    for case_class in table.classes.values():
        assert case_class.filing and case_class.closing and case_class.limit.amount > 0
        for district in ("440703", "440704", "440705", "440781", "440783", "440784", "440785", None):
            assert case_class.department_at(district)
    majors = {c.code[:5]: c.major for c in table.classes.values()}
    assert majors["事件/05"] == "街面秩序" and majors["事件/04"] == "突发事件" and majors["部件/01"] == "公用设施"


def test_urgent_classes_run_on_the_natural_clock() -> None:
    classes = class_table().classes
    assert classes["事件/0404"].limit.natural and classes["部件/0103"].limit.natural  # 道路积水, 井盖
    assert not classes["事件/0102"].limit.natural  # 暴露垃圾: working hours


def test_the_simulated_reports_use_the_tables_classes() -> None:
    classes = class_table().classes
    for topic in (*TOPICS.values(), *EVERYDAY):
        kind, major, small, major_name, name = topic.case
        found = classes[f"{kind}/{major}{small}"]
        assert (found.major, found.name) == (major_name, name)
        assert class_table().of_report(topic.category) is not None, topic.category


def test_a_grid_report_goes_by_the_chosen_class() -> None:
    manhole = event("city.grid.case", {"case_id": "1", "category": "部件/0103"}, town="440703002")
    vending = event("city.grid.case", {"case_id": "2", "category": "事件/0501"}, town="440703002")
    other = event("city.grid.case", {"case_id": "3", "category": "事件/9999"}, town="440703002")
    classify_and_route([manhole, vending, other])
    assert manhole.hub and manhole.hub.department == "蓬江区城市管理和综合执法局"  # not the street's office
    assert manhole.hub.category == "部件/0103" and manhole.hub.time_limit_h == 2
    assert vending.hub and vending.hub.department == "白沙街道综合行政执法办公室"
    assert vending.hub.category_name == "街面秩序/无照经营游商"
    assert other.hub and other.hub.category == "事件/0550"  # an unknown class: routed by type and place


def test_a_hotline_order_goes_by_its_category_path() -> None:
    parking = event("city.hotline.workorder", {"order_id": "1", "category": ["交通运输", "道路交通", "违章停车"]})
    vague = event("city.hotline.workorder", {"order_id": "2", "category": ["市政"]})
    classify_and_route([parking, vague])
    assert parking.hub and parking.hub.department == "江门市公安局交通警察支队"
    assert parking.hub.time_limit_h == 2  # 2wh, nominal hours
    assert vague.hub and vague.hub.department == "江门市12345政务服务便民热线"


@pytest.mark.parametrize(("edit", "reason"), [
    (lambda d: d["classes"]["事件/0102"].pop("filing"), "lacks filing"),
    (lambda d: d["classes"]["事件/0102"].update(limit="4 hours"), "not like"),
    (lambda d: d["classes"]["事件/0102"].update(responsible={"440703": "x"}), "no \"*\" row"),
    (lambda d: d["classes"]["事件/1001"].pop("extension"), "extension must be True"),
    (lambda d: d["classes"]["事件/0102"].update(extension=True), "extension must be False"),
    (lambda d: d["types"]["city.env.air"].update(category="事件/7777"), "is not a class"),
    (lambda d: d["classes"].update({"事件/0901": d["classes"]["事件/0102"]}), "no major class"),
])
def test_a_broken_table_fails_naming_the_class(edit, reason: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = yaml.safe_load(CATEGORIES.read_text(encoding="utf-8")) | {"types": case_types()}
    edit(doc)
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_class_table(doc)
