"""Triggers: which incident steps and checks make which notices, to whom, once; rendered in Chinese."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.incidents import IncidentService, open_incidents
from hub.notify.channels.sms import SmsChannel
from hub.notify.channels.smtp import SmtpChannel
from hub.notify.service import Notifier
from hub.notify.triggers import BookError, load_book, parse_book
from tests.incidents.conftest import Clock
from tests.incidents.factory import sighting, waterlogging
from tests.notify.book import DOC, book

CHANNELS = {"email": SmtpChannel("smtp://127.0.0.1:9"), "sms": SmsChannel("http://127.0.0.1:9/sms/send")}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(db_url: str, clock: Clock) -> Iterator[tuple[IncidentService, Notifier]]:
    engine = open_incidents(db_url, clock=clock)
    notifier = Notifier(engine.store.db, book(), CHANNELS, "江门市城市运行管理中心", clock=clock)
    notifier.watch(engine.store)
    yield engine, notifier
    engine.close()


def queued(notifier: Notifier) -> list[tuple[str, str, str]]:
    return sorted((n["trigger"], n["recipient"], n["channel"]) for n in notifier.outbox.search(limit=1000))


def dispatched(engine: IncidentService) -> int:
    [incident] = engine.absorb([waterlogging(30)])
    assert incident.id is not None
    engine.transition(incident.id, "registered")
    engine.transition(incident.id, "dispatched", note="请现场排水")
    return incident.id


def test_a_dispatch_notifies_the_department_once(hub: tuple[IncidentService, Notifier]) -> None:
    engine, notifier = hub
    n = dispatched(engine)
    assert queued(notifier) == [("dispatched", "dept", "email")]  # its SMS carries only overdue notices
    [row] = notifier.outbox.search()
    title = engine.store.get(n).title  # type: ignore[union-attr]
    assert row["subject"] == f"【派遣】{title}（案件 #{n}）"
    assert f"测试部门：案件 #{n}" in row["body"] and "派遣说明：请现场排水" in row["body"]
    assert "蓬江区" in row["body"] and "处置时限至 2026-06-01 15:00" in row["body"]  # the class's 1 h
    assert row["incident_id"] == n


def test_deadline_reminder_at_80_percent_then_overdue_and_escalation(
        hub: tuple[IncidentService, Notifier], clock: Clock) -> None:
    engine, notifier = hub
    n = dispatched(engine)
    case = engine.store.get(n)
    assert case is not None and case.due_at is not None and case.dispatched_at is not None
    limit = case.due_at - case.dispatched_at  # the class's limit in clock hours
    clock.advance(0.79 * limit)
    assert notifier.check_deadlines() == 0
    clock.advance(0.02 * limit)
    assert notifier.check_deadlines() == 1
    assert notifier.check_deadlines() == 0  # once per dispatch, however often checked
    [reminder] = notifier.outbox.search(state=None, limit=1)
    assert "已用去处置时限的 80%" in reminder["body"]
    clock.advance(0.2 * limit)
    engine.tick()
    assert queued(notifier) == [("deadline", "dept", "email"), ("dispatched", "dept", "email"),
                                ("escalated", "lead", "email"), ("overdue", "dept", "email"),
                                ("overdue", "dept", "sms")]
    assert notifier.check_deadlines() == 0  # overdue now: no reminder


def test_a_red_weather_warning_reaches_the_departments_and_towns_of_its_district(
        hub: tuple[IncidentService, Notifier]) -> None:
    engine, notifier = hub
    warning = sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "red", "msg_type": "alert"},
                       alarms=["weather.warning.red"], severity=4)
    engine.absorb([warning])
    engine.absorb([sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "red", "msg_type": "update"},
                            alarms=["weather.warning.red"], severity=4)])
    assert queued(notifier) == [("weather_warning", "baisha", "sms"), ("weather_warning", "dept", "email"),
                                ("weather_warning", "other", "email"), ("weather_warning", "pj", "email")]
    subjects = {n["subject"] for n in notifier.outbox.search()}
    assert subjects == {"【红色气象预警】蓬江区"}


def test_notify_from_other_code_is_idempotent_by_key(hub: tuple[IncidentService, Notifier]) -> None:
    _, notifier = hub
    context = {"department": "测试部门", "title": "设备离线：雨量站（JM-RG-0042）", "note": "已 180 分钟未上报",
               "place": "蓬江区白沙街道"}
    assert notifier.notify("device_offline", "offline/JM-RG-0042/1", context) == 3
    assert notifier.notify("device_offline", "offline/JM-RG-0042/1", context) == 0
    assert queued(notifier) == [("device_offline", "dept", "email"), ("device_offline", "ops", "email"),
                                ("device_offline", "ops", "sms")]
    body = notifier.outbox.search()[0]["body"]
    assert body.startswith("测试部门：设备离线：雨量站（JM-RG-0042），位置 蓬江区白沙街道。已 180 分钟未上报。")


def test_the_hubs_own_alarms_notify_device_offline_and_forecast_warnings(
        hub: tuple[IncidentService, Notifier]) -> None:
    from hub.health.alarms import Alarms, Raise

    engine, notifier = hub
    alarms = Alarms(engine)
    place = {"district_code": "440703", "district_name": "蓬江区", "town_code": "440703002", "town_name": "白沙街道"}
    alarms.open(Raise("device-offline", "hub.device.offline", "设备离线：雨量站（JM-RG-0042）", "测试部门", 2, place,
                      "已 90 分钟未上报（应每 300 秒上报）"), "system:health")
    alarms.open(Raise("forecast-warning", "hub.forecast.waterlogging", "预警：积水点预计 60 分钟后积水超过 30cm",
                      "测试部门", 2, place, "现值 12cm"), "system:forecast")
    assert queued(notifier) == [("device_offline", "dept", "email"), ("device_offline", "ops", "email"),
                                ("device_offline", "ops", "sms"), ("forecast_warning", "baisha", "sms"),
                                ("forecast_warning", "dept", "email"), ("forecast_warning", "pj", "email")]
    bodies = {n["trigger"]: n["body"] for n in notifier.outbox.search() if n["recipient"] == "dept"}
    assert "已 90 分钟未上报" in bodies["device_offline"] and "蓬江区白沙街道" in bodies["device_offline"]
    assert bodies["forecast_warning"].startswith("测试部门：预警：积水点预计 60 分钟后积水超过 30cm")


def test_the_citys_file_loads_and_bad_files_say_where() -> None:
    real = load_book()
    assert {"dispatched", "deadline", "overdue", "weather_warning", "device_offline", "forecast_warning",
            "supervision", "channel_failed"} <= set(real.triggers)
    with pytest.raises(BookError, match=r"recipient 1 .*unknown channel"):
        parse_book(DOC | {"recipients": [{"id": "x", "role": "operator", "channels": {"fax": "1"}}]}, "f.yaml")
    with pytest.raises(BookError, match="trigger dispatched: unknown `to`"):
        parse_book(DOC | {"triggers": {"dispatched": {"to": ["everyone"], "subject": "", "body": ""}}}, "f.yaml")


def test_the_reminder_of_a_working_hours_limit_counts_working_time(hub: tuple[IncidentService, Notifier]) -> None:
    from datetime import datetime

    from hub.supervision.worktime import parse_limit, work_clock
    from tests.incidents.factory import CHINA

    _, notifier = hub
    friday = datetime(2026, 6, 5, 16, 0, tzinfo=CHINA).timestamp()
    due = work_clock().due_seconds(friday, parse_limit("4wh"))
    assert datetime.fromtimestamp(due, CHINA) == datetime(2026, 6, 8, 11, 0, tzinfo=CHINA)
    row = {"dispatched_at": friday, "due_at": due, "limit_text": "4wh"}
    # 80 % of 4 working hours: 1.5 h on Friday afternoon, then 1.7 h from Monday 08:30 — not Sunday
    assert datetime.fromtimestamp(notifier._reminder_at(row, 0.8), CHINA) == datetime(2026, 6, 8, 10, 12, tzinfo=CHINA)
    clock_row = {"dispatched_at": friday, "due_at": friday + 24 * 3600, "limit_text": "24h"}
    assert notifier._reminder_at(clock_row, 0.8) == friday + 0.8 * 24 * 3600
