"""The store suite, part one: writing, dedup, transactions, history paging and filters, dead letters.

Every test runs against SQLite and against PostgreSQL+PostGIS (the `store` fixture)."""

from __future__ import annotations

import base64
import threading
from typing import Any

import pytest

from hub.events import DeadLetter
from hub.store import EventQuery, Page, open_store
from tests.store.cases import JIANGHAI, NOW_HOUR, PENGJIANG, TAISHAN, XINHUI, every_page, make_dead, make_event, sample

pytestmark = pytest.mark.integration


def uids(page: Any) -> list[str]:
    return [item["hub"]["uid"] for item in page.items]


def test_write_returns_the_fresh_events_and_drops_repeats_within_a_batch(store: Any) -> None:
    a, b = make_event("a", NOW_HOUR - 60), make_event("b", NOW_HOUR - 50)
    again = make_event("a", NOW_HOUR - 60)
    fresh = store.write([a, b, again], [])
    assert [e.ce["id"] for e in fresh] == ["a", "b"]
    assert store.counts() == {"events": 2, "deadletters": 0}


def test_dedup_across_batches_and_restarts_by_source_and_id(store: Any, reopen: Any) -> None:
    store.write([make_event("a", NOW_HOUR - 60), make_event("b", NOW_HOUR - 50)], [])
    assert store.write([make_event("a", NOW_HOUR - 60)], []) == []
    later = reopen()  # another worker, or the hub after a crash, replays the batch
    fresh = later.write([make_event("b", NOW_HOUR - 50), make_event("c", NOW_HOUR - 40)], [])
    assert [e.ce["id"] for e in fresh] == ["c"]
    other_device = make_event("a", NOW_HOUR - 60, device="D2")  # same CE id, another source: a new event
    assert len(later.write([other_device], [])) == 1
    assert store.counts()["events"] == 4


def test_a_repeat_is_its_source_and_id_whatever_its_time_and_uid(store: Any) -> None:
    """The uid holds the event time, so a repeat of a (source, id) with another time has another uid: it is a
    repeat all the same, in the batch and across batches, and `stored` finds the first one by (source, id)."""
    first, later = make_event("a", NOW_HOUR - 60), make_event("a", NOW_HOUR - 30)
    assert first.hub.uid != later.hub.uid
    assert [e.hub.uid for e in store.write([first, later, make_event("b", NOW_HOUR - 50)], [])] == [
        first.hub.uid, make_event("b", NOW_HOUR - 50).hub.uid]
    assert store.write([make_event("a", NOW_HOUR - 10)], []) == []
    assert store.counts()["events"] == 2
    kept = store.stored("/jiangmen/water/test/D1", "a")
    assert kept is not None and kept["hub"]["uid"] == first.hub.uid and kept["time"] == first.ce["time"]
    assert store.stored("/jiangmen/water/test/D2", "a") is None


def test_an_event_stored_under_its_old_uuid5_uid_is_still_a_repeat_and_found_by_it(store: Any) -> None:
    """Until 2026-11-28 the uid was uuid5("cityhub:<source>#<id>"); such rows stay as they are."""
    import uuid

    old = make_event("a", NOW_HOUR - 60)
    old.hub.uid = str(uuid.uuid5(uuid.NAMESPACE_URL, "cityhub:/jiangmen/water/test/D1#a"))
    assert store.write([old], []) == [old]
    redelivered = make_event("a", NOW_HOUR - 60)
    assert redelivered.hub.uid != old.hub.uid
    fresh = store.write([redelivered, make_event("b", NOW_HOUR - 50)], [])
    assert [e.ce["id"] for e in fresh] == ["b"]
    assert store.event(old.hub.uid)["hub"]["uid"] == old.hub.uid
    assert store.counts()["events"] == 2


def test_an_event_the_table_refuses_fails_the_batch_and_is_never_taken_for_a_repeat(store: Any) -> None:
    """Repeats are skipped by the unique indexes; a row refused for anything else (here a NULL where the
    table wants a value) must fail the whole batch — stored by no one and acknowledged to no one — rather
    than pass as a repeat."""
    store.write([make_event("a", NOW_HOUR - 60)], [])
    broken = make_event("b", NOW_HOUR - 50)
    broken.hub.received_at = None
    with pytest.raises(Exception, match=r"(?i)null|neither stored nor repeats"):
        store.write([make_event("a", NOW_HOUR - 60), broken, make_event("c", NOW_HOUR - 40)], [])
    assert store.counts()["events"] == 1
    again = store.write([make_event("a", NOW_HOUR - 60), make_event("c", NOW_HOUR - 40)], [])
    assert [e.ce["id"] for e in again] == ["c"]


def test_concurrent_writers_store_each_event_once(store: Any, reopen: Any) -> None:
    """Three workers write overlapping batches at once, one of them in reverse order: every event is
    fresh for exactly one of them, and none fails (no deadlock between their transactions)."""
    workers = [store, reopen(), reopen()]
    fresh: list[int] = []
    errors: list[BaseException] = []

    def work(worker: Any, batches: list[list[Any]], start: threading.Barrier) -> None:
        try:
            start.wait(10)
            for batch in batches:
                fresh.append(len(worker.write(batch, [])))
        except BaseException as err:  # reported below; a thread must not swallow it
            errors.append(err)

    for round_ in range(4):
        events = [make_event(f"r{round_}-{i}", NOW_HOUR - 3000 + i) for i in range(400)]
        plans = [[events], [events[::-1]], [events[i:i + 50] for i in range(0, 400, 50)]]
        start = threading.Barrier(3)
        threads = [threading.Thread(target=work, args=(w, p, start)) for w, p in zip(workers, plans, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    assert sum(fresh) == 1600
    assert store.counts()["events"] == 1600
    assert sum(row["count"] for row in store.stats("type")) == 1600


def test_a_failed_batch_leaves_nothing_and_can_be_retried(store: Any) -> None:
    events = sample()
    broken = DeadLetter(b"x", None, "mqtt", "city/water/x", None, None, NOW_HOUR)  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 — sqlite3.IntegrityError or psycopg's NotNullViolation
        store.write(events, [make_dead(1), broken])
    assert store.counts() == {"events": 0, "deadletters": 0}
    assert store.events(EventQuery()).items == []
    assert store.deadletters().items == []
    assert store.stats("district") == []
    fresh = store.write(events, [make_dead(1)])  # the transport redelivers; the same batch now goes in whole
    assert len(fresh) == len(events)
    assert store.counts() == {"events": len(events), "deadletters": 1}


def test_history_is_newest_event_first_whatever_the_arrival_order(store: Any) -> None:
    late = make_event("late", NOW_HOUR - 5000)  # arrives last, happened first
    store.write([make_event("b", NOW_HOUR - 100), make_event("a", NOW_HOUR - 200)], [])
    store.write([late], [])
    same_time = [make_event(f"tie{i}", NOW_HOUR - 150) for i in range(3)]
    store.write(same_time, [])
    order = [item["id"] for item in store.events(EventQuery()).items]
    assert order == ["b", "tie2", "tie1", "tie0", "a", "late"]  # equal times: the later stored first
    page = store.events(EventQuery(limit=2))
    rest = store.events(EventQuery(limit=10, before=page.next_cursor))
    assert [i["id"] for i in page.items + rest.items] == order
    assert store.events(EventQuery(before=10**9)) == Page()  # not a cursor the store handed out


def test_paging_newest_first_with_before_cursors(store: Any) -> None:
    events = [make_event(f"e{i}", NOW_HOUR - 600 + i) for i in range(7)]
    for event in events:
        store.write([event], [])
    seen, before, pages = [], None, 0
    while True:
        page = store.events(EventQuery(limit=3, before=before))
        seen += uids(page)
        pages += 1
        if page.next_cursor is None:
            break
        before = page.next_cursor
    assert pages == 3
    assert seen == [e.hub.uid for e in reversed(events)]


def test_paging_stops_exactly_at_the_last_page(store: Any) -> None:
    store.write([make_event(f"e{i}", NOW_HOUR - 600 + i) for i in range(4)], [])
    first = store.events(EventQuery(limit=2))
    assert first.next_cursor is not None
    second = store.events(EventQuery(limit=2, before=first.next_cursor))
    assert len(second.items) == 2 and second.next_cursor is None
    assert store.events(EventQuery(limit=4)).next_cursor is None


def test_filters(store: Any) -> None:
    events = sample()
    store.write(events, [])

    def ids(**query: Any) -> set[str]:
        return {item["id"] for item in store.events(EventQuery(limit=1000, **query)).items}

    def where(test: Any) -> set[str]:
        return {e.ce["id"] for e in events if test(e)}

    assert ids(type="city.fire.alarm") == where(lambda e: e.ce["type"] == "city.fire.alarm")
    assert ids(domain="water") == where(lambda e: e.domain == "water")
    assert ids(district="440705") == where(lambda e: e.hub.district_code == "440705")
    assert ids(grid="440703001001001") == where(lambda e: e.hub.grid_code == "440703001001001")
    assert ids(grid="440703") == where(lambda e: e.hub.grid_code.startswith("440703"))
    assert ids(grid="440703001001") == where(lambda e: e.hub.grid_code.startswith("440703001001"))
    assert ids(grid="4407") == {e.ce["id"] for e in events}
    assert ids(grid="440799") == set()
    since, until = NOW_HOUR - 3 * 3600, NOW_HOUR - 2 * 3600 + 1800
    assert ids(since=since) == where(lambda e: e.hub and _t(e) >= since)
    assert ids(since=since, until=until) == where(lambda e: since <= _t(e) < until)
    assert ids(domain="water", district="440703", since=NOW_HOUR - 10 * 3600) == {f"w1-{i}" for i in range(5)}


def test_bbox_filter(store: Any) -> None:
    events = sample()
    store.write(events, [])

    def ids(bbox: tuple[float, float, float, float], **more: Any) -> set[str]:
        return {item["id"] for item in store.events(EventQuery(bbox=bbox, limit=1000, **more)).items}

    around = {name: (lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01) for name, (lon, lat) in
              {"pengjiang": PENGJIANG, "jianghai": JIANGHAI, "xinhui": XINHUI, "taishan": TAISHAN}.items()}
    at_pengjiang = {e.ce["id"] for e in events if (e.hub.lon, e.hub.lat) == PENGJIANG}
    assert ids(around["pengjiang"]) == at_pengjiang
    assert ids(around["taishan"]) == {"a1-0", "a1-1"}
    assert ids(around["xinhui"], type="city.water.level") == {"w2-0", "w2-1", "w2-2"}
    assert ids(around["pengjiang"], since=NOW_HOUR - 10 * 3600) == at_pengjiang - {"w3-0", "w3-1", "w3-2"}
    assert ids((112.0, 21.5, 113.3, 22.85)) == {e.ce["id"] for e in events}  # the whole city
    assert ids((100.0, 30.0, 101.0, 31.0)) == set()
    items = store.events(EventQuery(bbox=around["jianghai"])).items
    assert all(item["hub"]["district_code"] == "440704" for item in items) and len(items) == 4


def test_bbox_pages_walk_back_through_the_whole_history(store: Any) -> None:
    """Boxes with few events among many others: paging by bbox finds every one, newest first, while the
    store looks back through its history in growing time windows (here starting with 20 s)."""
    store.first_window_s = 20.0
    events = [make_event(f"e{i}", NOW_HOUR - 3600 + i * 10, where=TAISHAN if i % 7 == 0 else PENGJIANG)
              for i in range(60)]
    for start in range(0, 60, 20):
        store.write(events[start:start + 20], [])
    box = (TAISHAN[0] - 0.01, TAISHAN[1] - 0.01, TAISHAN[0] + 0.01, TAISHAN[1] + 0.01)
    assert every_page(store, bbox=box, limit=2) == [f"e{i}" for i in range(59, -1, -1) if i % 7 == 0]
    since, until = NOW_HOUR - 3600 + 145, NOW_HOUR - 3600 + 425  # e15 … e42 by time
    window = store.events(EventQuery(bbox=box, since=since, until=until, limit=100)).items
    assert [item["id"] for item in window] == ["e42", "e35", "e28", "e21"]


def test_a_busy_grid_prefix_pages_walk_back_newest_first(store: Any) -> None:
    """A town or community prefix that holds many events (here: at least 5) is read back in growing time
    windows on SQLite (a plain index range on PostgreSQL): either way, every event under the prefix, newest
    first, across pages and within since/until; a quiet prefix answers the same."""
    store.first_window_s, store.busy_prefix = 20.0, 5
    towns = ("440703001", "440703002")
    events = [make_event(f"e{i}", NOW_HOUR - 3600 + i * 10, grid=f"{towns[i % 3 == 0]}00{i % 4}0{i % 10:02d}")
              for i in range(60)]
    events.append(make_event("quiet", NOW_HOUR - 7200, grid="440703003001001"))
    for start in range(0, len(events), 20):
        store.write(events[start:start + 20], [])
    if store.walk_prefix:  # SQLite
        assert store._walks_prefix(towns[1]) and not store._walks_prefix("440703003")
    busy = [f"e{i}" for i in range(59, -1, -1) if i % 3 == 0]
    assert every_page(store, grid=towns[1], limit=3) == busy
    assert every_page(store, grid=towns[0], limit=7) == [f"e{i}" for i in range(59, -1, -1) if i % 3]
    assert every_page(store, grid=towns[1] + "001", limit=2) == [i for i in busy if int(i[1:]) % 4 == 1]
    since, until = NOW_HOUR - 3600 + 145, NOW_HOUR - 3600 + 425  # e15 … e42 by time
    window = store.events(EventQuery(grid=towns[1], since=since, until=until, limit=100)).items
    assert [item["id"] for item in window] == ["e42", "e39", "e36", "e33", "e30", "e27", "e24", "e21", "e18", "e15"]
    assert every_page(store, grid="440703003", limit=2) == ["quiet"]
    assert every_page(store, grid="4407030", limit=50) == [f"e{i}" for i in range(59, -1, -1)] + ["quiet"]


def test_history_reads_are_planned_with_their_values_every_time(store: Any, store_kind: str) -> None:
    """PostgreSQL: a read run over and over (the map asks for its box every few seconds) is never prepared on the
    server, where a generic plan would serve every box alike — at 10 M events that plan took 40 s for the
    whole city (GiST, then sorting all it holds) against 1 ms planned with the values."""
    if store_kind != "postgres":
        pytest.skip("SQLite plans each statement with its values")
    store.write(sample(), [])
    for box in [(113.0, 22.5, 113.2, 22.7), (111.9, 21.45, 113.3, 22.85)] * 5:
        store.events(EventQuery(bbox=box, limit=10))
    assert store._rows("SELECT count(*) FROM pg_prepared_statements")[0][0] == 0


def _t(event: Any) -> float:
    from hub.events import epoch

    return epoch(event.ce["time"])


def test_event_by_uid_and_by_cloudevent_id_with_its_raw_original(store: Any) -> None:
    event = make_event("alarm-7", NOW_HOUR - 100, "city.fire.alarm", XINHUI)
    store.write([event], [])
    found = store.event(event.hub.uid)
    assert found is not None
    assert found["id"] == "alarm-7" and found["hub"]["district_code"] == "440705"
    assert found["hub"]["department"] == event.hub.department
    assert base64.b64decode(found["raw"]) == event.message.payload
    assert store.event("alarm-7") == found
    assert store.event("no-such-event") is None


def test_dead_letters_keep_raw_bytes_reason_and_origin_and_page(store: Any) -> None:
    store.write([], [make_dead(i, NOW_HOUR - 100 + i, "kafka" if i % 2 else "mqtt") for i in range(5)])
    first = store.deadletters(limit=2)
    assert [d["reason"] for d in first.items] == ["invalid JSON: case 4", "invalid JSON: case 3"]
    kafka = first.items[1]
    assert base64.b64decode(kafka["raw"]) == b"not json 3\xff\x00"
    origin = (kafka["transport"], kafka["topic"], kafka["partition"], kafka["offset"])
    assert origin == ("kafka", "city/water/bad3", 3, 3)
    assert kafka["received_at"] == pytest.approx(NOW_HOUR - 97)
    rest = store.deadletters(limit=10, before=first.next_cursor)
    assert [d["reason"][-1] for d in rest.items] == ["2", "1", "0"] and rest.next_cursor is None
    assert store.counts() == {"events": 0, "deadletters": 5}


def test_text_the_database_cannot_hold_is_kept_visible_not_fatal(store: Any) -> None:
    odd = make_event("nul\u0000id", NOW_HOUR - 100)  # a valid CloudEvent id; PostgreSQL text refuses NUL
    letter = make_dead(1)
    letter.reason += " \u0000 in reason"
    assert len(store.write([odd], [letter])) == 1
    assert store.event(odd.hub.uid)["id"] == "nul\u0000id"  # the normalized body keeps it exactly
    assert store.deadletters().items[0]["reason"].startswith("invalid JSON: case 1")


def test_open_store_by_url(tmp_path: Any) -> None:
    store = open_store(f"sqlite:///{tmp_path}/a/b/hub.sqlite")
    assert store.counts() == {"events": 0, "deadletters": 0}
    store.close()
    with pytest.raises(ValueError, match="unsupported database URL"):
        open_store("mysql://localhost/hub")
