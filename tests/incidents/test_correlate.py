"""Correlation as pure code: place, related type, time window; alarms open, others only join."""

from __future__ import annotations

from hub.incidents.correlate import Correlator
from hub.incidents.model import Incident
from hub.incidents.related import load_related, parse_related
from hub.pipeline.rules import load_rules
from tests.incidents.factory import BAISHA, JIANGHAI, T0, offset, sighting

MIN = 60.0


def correlator() -> Correlator:
    return Correlator(load_related(), load_rules().name, {"reported": 0.5})


def run(*sightings, incidents: list[Incident] | None = None):  # type: ignore[no-untyped-def]
    return correlator().correlate(list(sightings), incidents or [], now=T0)


def flood_alarm(**kw):  # type: ignore[no-untyped-def]
    return sighting("city.water.waterlogging", {"sensor_id": "W", "depth_cm": 25},
                    alarms=["water.waterlogging.deep"], severity=3, **kw)


def test_an_alarm_opens_an_incident_of_its_group_with_title_department_and_deadline() -> None:
    [d] = run(flood_alarm(grid="440703002001001"))
    assert d.opened and d.incident.kind == "flood" and d.incident.state == "reported"
    assert d.incident.title.startswith("暴雨内涝：道路积水超15厘米 · 蓬江区")
    assert d.incident.department == "测试部门" and d.incident.due_at == T0 + 1800
    assert d.incident.cells == ["440703002001001"] and d.incident.alarms == ["water.waterlogging.deep"]


def test_events_without_alarm_or_high_severity_open_nothing() -> None:
    assert run(sighting("city.water.rainfall", {"station_id": "R", "rain_1h_mm": 12})) == []
    assert run(sighting("city.parking.occupancy", {"lot_id": "L"}, severity=0)) == []
    [d] = run(sighting("city.emergency.incident", {"kind": "collapse"}, severity=4))
    assert d.opened and d.incident.kind == "geohazard"


def test_related_events_nearby_and_in_time_join_in_event_time_order() -> None:
    rain = sighting("city.water.rainfall", {"station_id": "R", "rain_1h_mm": 30}, at=T0 + 10 * MIN,
                    point=offset(BAISHA, 600, 400))
    complaint = sighting("city.hotline.workorder", {"order_id": "H", "description": "白沙大道水浸，车过不了",
                                                    "category": ["城市管理"]}, at=T0 + 20 * MIN,
                         point=offset(BAISHA, -300))
    decisions = run(complaint, rain, flood_alarm())  # the alarm happened first: it opens, the rest join
    assert [d.opened for d in decisions] == [True, False, False]
    incident = decisions[0].incident
    assert all(d.incident is incident for d in decisions) and incident.member_count == 3
    assert incident.last_event_at == T0 + 20 * MIN


def test_unrelated_far_or_late_events_do_not_join() -> None:
    [opened] = run(flood_alarm())
    incident = opened.incident
    incident.id = 7
    far = sighting("city.water.rainfall", {"rain_1h_mm": 40}, point=JIANGHAI)  # ~5.5 km away
    late = sighting("city.water.rainfall", {"rain_1h_mm": 40}, at=T0 + 4 * 60 * MIN)
    unrelated = sighting("city.construction.noise", {"leq_dba": 60}, point=offset(BAISHA, 50))
    off_topic = sighting("city.hotline.workorder", {"description": "路灯不亮", "category": ["市政"]})
    assert run(far, late, unrelated, off_topic, incidents=[incident]) == []


def test_same_grid_cell_joins_even_beyond_the_radius_and_district_scope_joins_by_district() -> None:
    [opened] = run(flood_alarm(grid="440703002001001"))
    incident = opened.incident
    same_cell = sighting("city.water.level", {"level_m": 1}, point=offset(BAISHA, 5000), grid="440703002001001")
    warning = sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "yellow"},
                       point=offset(BAISHA, 9000), district="440703")
    elsewhere = sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "yellow"}, district="440704")
    decisions = run(same_cell, warning, elsewhere, incidents=[incident])
    assert [d.sighting for d in decisions] == [same_cell, warning]


def test_neighbouring_cells_join_through_the_neighbour_function() -> None:
    related = load_related()
    neighbours = {("440703002001002", "440703002001001")}
    c = Correlator(related, neighbours=lambda a, b: (a, b) in neighbours)
    [opened] = c.correlate([flood_alarm(grid="440703002001001")], [], T0)
    next_door = sighting("city.water.level", {"level_m": 1}, point=None, grid="440703002001002")
    not_next = sighting("city.water.level", {"level_m": 1}, point=None, grid="440703002001009")
    assert [d.sighting for d in c.correlate([next_door, not_next], [opened.incident], T0)] == [next_door]


def test_the_nearest_open_incident_wins_and_closed_ones_take_nothing() -> None:
    a = run(flood_alarm(point=offset(BAISHA, -800)))[0].incident
    b = run(flood_alarm(point=offset(BAISHA, 800)))[0].incident
    a.id, b.id = 1, 2
    near_b = sighting("city.water.rainfall", {"rain_1h_mm": 10}, point=offset(BAISHA, 500))
    [d] = run(near_b, incidents=[a, b])
    assert d.incident is b
    b.state = "closed"
    [d] = run(sighting("city.water.rainfall", {"rain_1h_mm": 10}, point=offset(BAISHA, 500)), incidents=[a, b])
    assert d.incident is a


def test_a_new_alarm_on_a_joining_event_is_reported_once_and_raises_severity() -> None:
    [opened] = run(sighting("city.fire.alarm", {"panel_id": "P", "state": "fire"}, alarms=["fire.alarm.active"],
                            severity=3))
    incident = opened.incident
    smoke = sighting("city.video.alert", {"kind": "smoke_fire", "confidence": 0.9}, alarms=["video.smoke-fire"],
                     severity=4, point=offset(BAISHA, 120))
    [d] = run(smoke, incidents=[incident])
    assert not d.opened and d.new_alarms == ["video.smoke-fire"]
    assert incident.severity == 4 and incident.alarms == ["fire.alarm.active", "video.smoke-fire"]


def test_an_alarm_no_group_takes_opens_an_incident_of_its_own_type() -> None:
    related = parse_related({"groups": [{"id": "flood", "members": [{"types": ["city.water.*"]}]}]})
    c = Correlator(related)
    [d] = c.correlate([sighting("city.env.air", {"aqi": 250}, alarms=["env.air.aqi-over-200"])], [], T0)
    assert d.incident.kind == "city.env.air"
    again = sighting("city.env.air", {"aqi": 260}, point=offset(BAISHA, 100))
    assert c.correlate([again], [d.incident], T0)[0].incident is d.incident


def test_neighbouring_cells_of_the_real_unit_grid() -> None:
    from hub.geo import load_city
    from hub.incidents.neighbours import CellNeighbours

    city = load_city()
    here = city.locate(*BAISHA)
    assert here is not None and here["grid_code"]
    neighbours = CellNeighbours(city)
    cell = here["grid_code"]
    steps = (city.locate(*offset(BAISHA, 10 * n)) for n in range(1, 100))  # walk east to the next cell
    east = next(p["grid_code"] for p in steps if p and p["grid_code"] != cell)
    far = city.locate(*offset(BAISHA, 2000))
    assert far is not None
    assert neighbours(cell, cell) and neighbours(cell, east) and neighbours(east, cell)
    assert not neighbours(cell, far["grid_code"]) and not neighbours(cell, "440703999999999")


def test_an_alarm_opens_the_group_it_leads_and_only_joins_the_others() -> None:
    jam = sighting("city.traffic.congestion", {"segment_id": "S", "level": 4}, alarms=["traffic.congestion.severe"],
                   severity=3)
    [d] = run(jam)
    assert d.opened and d.incident.kind == "traffic"  # not 暴雨内涝: no water anywhere
    smog = sighting("city.env.air", {"station_id": "A", "aqi": 260}, alarms=["env.air.aqi_high"], severity=3)
    [d] = run(smog)
    assert d.opened and d.incident.kind == "pollution"  # not 火灾
    [flood] = run(flood_alarm())
    flood.incident.id = 9
    jam_nearby = sighting("city.traffic.congestion", {"segment_id": "S", "level": 4},
                          alarms=["traffic.congestion.severe"], severity=3, at=T0 + 5 * MIN)
    [joined] = run(jam_nearby, incidents=[flood.incident])
    assert not joined.opened and joined.incident is flood.incident


# ── district-wide members (weather warnings) are context: they never move an incident ──
UNDERPASS, SHORE = offset(BAISHA, -4000), offset(BAISHA, 6000)  # two floods ~10 km apart in 蓬江区
OBSERVATORY = offset(BAISHA, 1000, 9000)  # where the warning's own point lies, far from both


def red_warning(**kw):  # type: ignore[no-untyped-def]
    return sighting("city.weather.warning", {"hazard": "rainstorm", "colour": "red"},
                    alarms=["weather.warning.red"], severity=4, point=OBSERVATORY, grid="440703009009009", **kw)


def test_a_district_warning_is_linked_to_every_flood_of_its_district_and_moves_none() -> None:
    c = correlator()
    index = c.index()
    floods = c.decide([flood_alarm(point=UNDERPASS, grid="440703001001001"),
                       flood_alarm(point=SHORE, grid="440703005005005")], index, T0)
    a, b = (d.incident for d in floods)
    places = [(i.lon, i.lat, i.grid_code, list(i.cells)) for i in (a, b)]
    linked = c.decide([red_warning(at=T0 + 5 * MIN)], index, T0)
    assert sorted(id(d.incident) for d in linked) == sorted([id(a), id(b)]) and not any(d.opened for d in linked)
    assert [(i.lon, i.lat, i.grid_code, list(i.cells)) for i in (a, b)] == places
    assert a.alarms == b.alarms == ["water.waterlogging.deep", "weather.warning.red"]
    # a gauge at the observatory, in the warning's own cell, is near neither flood: it joins nothing
    gauge = sighting("city.water.level", {"level_m": 1}, at=T0 + 6 * MIN, point=OBSERVATORY, grid="440703009009009")
    assert c.decide([gauge], index, T0) == []
    # each flood keeps its own sensors; a new flood at the observatory opens its own incident
    near_a = waterlogging_at(UNDERPASS, T0 + 7 * MIN)
    near_b = waterlogging_at(SHORE, T0 + 8 * MIN)
    there = flood_alarm(point=OBSERVATORY, grid="440703009009009", at=T0 + 9 * MIN)
    joined = c.decide([near_a, near_b, there], index, T0)
    assert [d.incident for d in joined[:2]] == [a, b] and joined[2].opened and joined[2].incident not in (a, b)


def waterlogging_at(point: tuple[float, float], at: float):  # type: ignore[no-untyped-def]
    return sighting("city.water.waterlogging", {"sensor_id": "W2", "depth_cm": 8}, at=at, point=offset(point, 200))


def test_a_warning_that_opens_an_incident_gives_it_no_place_until_a_located_member_does() -> None:
    c = correlator()
    index = c.index()
    [opened] = c.decide([red_warning()], index, T0)
    incident = opened.incident
    assert opened.opened and incident.kind == "flood" and incident.district_code == "440703"
    assert (incident.lon, incident.lat, incident.grid_code, incident.cells) == (None, None, None, [])
    gauge = sighting("city.water.level", {"level_m": 1}, at=T0 + 5 * MIN, point=OBSERVATORY, grid="440703009009009")
    assert c.decide([gauge], index, T0) == []  # not an alarm and the incident has no place near it
    flood = flood_alarm(point=UNDERPASS, grid="440703001001001", at=T0 + 10 * MIN)
    [adopted] = c.decide([flood], index, T0)
    assert adopted.incident is incident and not adopted.opened
    assert (incident.lon, incident.lat, incident.cells) == (*UNDERPASS, ["440703001001001"])
    far = flood_alarm(point=SHORE, grid="440703005005005", at=T0 + 11 * MIN)
    near = waterlogging_at(UNDERPASS, T0 + 12 * MIN)
    [other, joined] = c.decide([far, near], index, T0)
    assert other.opened and other.incident is not incident and joined.incident is incident
    elsewhere = flood_alarm(point=JIANGHAI, district="440704", at=T0 + 13 * MIN)
    assert c.decide([elsewhere], index, T0)[0].opened  # a placeless incident is adopted only in its district
