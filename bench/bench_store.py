"""Store benchmark: fill a store with N synthetic events, then time the history and analysis queries.

    .venv/bin/python bench/bench_store.py --db sqlite:///data/bench/store.sqlite --events 10000000
    .venv/bin/python bench/bench_store.py --db postgresql://postgres@127.0.0.1:5432/cityhub_bench --events 10000000

Rows are generated directly (not through MQTT) and bulk-loaded with the secondary indexes dropped,
then the store's own schema rebuilds them and its counters are recounted. Events are spread over
Jiangmen (60 % around the seven district seats, 40 % uniform over the land) and over the last 30
days, stored in time order as a hub receives them; grid codes are 15 digits with the district's
6-digit prefix. Prints one JSON object.

With --without-each-index it then drops each secondary index of `events` in turn (those no constraint
holds), times the queries and the write again without it, and builds it again: which queries need which
index, and what each costs a write (docs/BENCHMARKS_store.md).
"""

from __future__ import annotations

import argparse
import calendar
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import orjson

from hub.events import DeadLetter, Event, HubBlock, Message, event_uid
from hub.geo import load_city
from hub.store import EventQuery, Store, open_store
from hub.store.base import BODY, DOMAIN, ID, LAT, LON, RAW, TIME

BBOX = (111.9, 21.45, 113.3, 22.85)
SEATS = {"440703": (113.08, 22.58), "440704": (113.11, 22.56), "440705": (113.03, 22.47), "440781": (112.79, 22.25),
         "440783": (112.70, 22.38), "440784": (112.96, 22.77), "440785": (112.31, 22.18)}
TYPES = [  # type, weight, severity, department
    ("city.parking.occupancy", 20, 0, "江门市城市管理和综合执法局"),
    ("city.traffic.flow", 15, 0, "江门市公安局交通警察支队"),
    ("city.vehicle.position", 10, 0, "江门市城市管理和综合执法局"),
    ("city.env.air", 10, 0, "江门市生态环境局"),
    ("city.water.level", 8, 1, "江门市水利局"),
    ("city.water.rainfall", 8, 1, "江门市水利局"),
    ("city.iot.streetlight", 6, 1, "江门市城市管理和综合执法局"),
    ("city.construction.dust", 4, 1, "江门市住房和城乡建设局"),
    ("city.grid.case", 4, 1, "江门市城市管理和综合执法局"),
    ("city.iot.manhole", 3, 2, "江门市城市管理和综合执法局"),
    ("city.construction.noise", 3, 1, "江门市住房和城乡建设局"),
    ("city.hotline.workorder", 3, 1, "江门市政务服务数据管理局"),
    ("city.traffic.congestion", 2, 2, "江门市公安局交通警察支队"),
    ("city.fire.hydrant.pressure", 2, 1, "江门市消防救援支队"),
    ("city.video.alert", 2, 1, "江门市城市管理和综合执法局"),
    ("city.fire.alarm", 1, 3, "江门市消防救援支队"),
    ("city.water.waterlogging", 1, 2, "江门市水利局"),
    ("city.env.discharge", 1, 1, "江门市生态环境局"),
    ("city.emergency.hazmat.reading", 1, 2, "江门市应急管理局"),
    ("city.weather.warning", 0.2, 3, "江门市气象局"),
]
DAYS = 30


def grid_code(district: str, lon: float, lat: float) -> str:
    """A 15-digit code on a ~200 m lattice: district + town (20 km blocks) + community (2 km) + cell."""
    cx, cy = int((lon - BBOX[0]) / 0.002), int((BBOX[3] - lat) / 0.002)
    town = 100 + (cy // 100) * 8 + cx // 100
    community = 100 + (cy // 10 % 5) * 5 + cx // 10 % 5
    return f"{district}{town:03d}{community:03d}{(cy % 10) * 10 + cx % 10 + 1:03d}"


def points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points inside the city with their district codes: clustered at the seats, the rest uniform."""
    geo = load_city()
    lons, lats, districts = [], [], []
    got = 0
    while got < n:
        m = (n - got) * 2
        seat = np.array(list(SEATS.values()))[rng.integers(0, len(SEATS), m)]
        clustered = rng.random(m) < 0.6
        lon = np.where(clustered, seat[:, 0] + rng.normal(0, 0.03, m), rng.uniform(BBOX[0], BBOX[2], m))
        lat = np.where(clustered, seat[:, 1] + rng.normal(0, 0.03, m), rng.uniform(BBOX[1], BBOX[3], m))
        located = geo.locate_many(lon, lat)
        inside = located.inside
        lons.append(lon[inside])
        lats.append(lat[inside])
        districts.append(located.district_code[inside])
        got += int(inside.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n], np.concatenate(districts)[:n]


def rows(n: int, seed: int, end: float, chunk: int = 100_000, days: float = DAYS) -> Iterator[list[tuple[Any, ...]]]:
    """Event rows in the stores' column order (hub.store.base.EVENT_COLUMNS), `chunk` at a time, over `days`."""
    rng = np.random.default_rng(seed)
    weights = np.array([t[1] for t in TYPES], float)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        lon, lat, district = points(rng, m)
        # arrival order follows event time (as it does at the hub), give or take a few minutes
        span = days * 86400
        when = end - span + (start + np.arange(m)) / n * span + rng.normal(0, 120, m)
        when = np.minimum(when, end - 1)
        kinds = rng.choice(len(TYPES), m, p=weights / weights.sum())
        out = []
        for i in range(m):
            kind, _, severity, department = TYPES[kinds[i]]
            domain, source = kind.split(".")[1], f"/jiangmen/{kind.split('.')[1]}/bench/D{(start + i) % 5000:04d}"
            ce_id, x, y, t, d = f"b{start + i}", float(lon[i]), float(lat[i]), float(when[i]), str(district[i])
            grid = grid_code(d, x, y)
            moment = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(t + 28800))
            ce = {"specversion": "1.0", "id": ce_id, "source": source, "type": kind, "time": moment,
                  "data": {"value": round(float(rng.random()) * 100, 2), "location": {"lon": x, "lat": y}}}
            uid = event_uid(source, ce_id, t)
            hub = HubBlock(uid=uid, received_at=t + 1.5, lon=x, lat=y, location_method="coordinates", crs_in="wgs84",
                           grid_code=grid, community_code=grid[:12], town_code=grid[:9], district_code=d,
                           category="事件/0000", category_name="基准/合成", severity=severity, department=department,
                           time_limit_h=24, plan_items=["八"])
            raw = orjson.dumps(ce)
            body = orjson.dumps(ce | {"hub": hub.model_dump()})
            out.append((uid, source, ce_id, kind, domain, t, t + 1.5, x, y, grid, grid[:9], d, severity, department,
                        body, raw))
        yield out


def fill_sqlite(path: str, chunks: Iterator[list[tuple[Any, ...]]], progress: Callable[[int], None]) -> None:
    import sqlite3

    from hub.store.sqlite import INSERT_EVENTS, SCHEMA

    conn = sqlite3.connect(path, isolation_level=None)
    indexes = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")]
    for name in indexes:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1048576")
    for chunk in chunks:
        conn.execute("BEGIN")
        conn.executemany(INSERT_EVENTS, chunk)
        conn.execute("COMMIT")
        progress(len(chunk))
    conn.executescript(SCHEMA)  # rebuilds the dropped indexes (the bounding-box index too)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()


def fill_postgres(url: str, chunks: Iterator[list[tuple[Any, ...]]], progress: Callable[[int], None]) -> None:
    import psycopg

    from hub.store.postgres import SCHEMA

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("DROP INDEX IF EXISTS events_time, events_type_time, events_district_time, events_grid_time,"
                     " events_geom")
        conn.execute("ALTER TABLE events DROP CONSTRAINT IF EXISTS events_uid_key,"
                     " DROP CONSTRAINT IF EXISTS events_id_source_key")
        columns = ("uid, source, id, type, domain, time, received_at, lon, lat, grid_code, town_code, district_code,"
                   " severity, department, body, raw, geom")
        for chunk in chunks:
            with conn.cursor() as cur, cur.copy(f"COPY events ({columns}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row((*row, f"SRID=4326;POINT({row[LON]} {row[LAT]})"))
            progress(len(chunk))
        conn.execute("ALTER TABLE events ADD CONSTRAINT events_uid_key UNIQUE (uid),"
                     " ADD CONSTRAINT events_id_source_key UNIQUE (id, source)")
        conn.execute(SCHEMA)  # rebuilds the dropped indexes
        conn.execute("VACUUM ANALYZE events")


def timed(call: Callable[[], Any], runs: int = 7) -> dict[str, Any]:
    """Milliseconds: the first (cold) call, then the median and max of the warm ones."""
    took = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        took.append((time.perf_counter() - began) * 1000)
    size = len(result.items) if hasattr(result, "items") and isinstance(result.items, list) else (
        len(result) if isinstance(result, list | dict) else None)
    return {"cold_ms": round(took[0], 2), "median_ms": round(statistics.median(took[1:]), 2),
            "max_ms": round(max(took[1:]), 2), "rows": size}


def queries(store: Store, end: float) -> dict[str, Any]:
    busy = grid_code("440703", *SEATS["440703"])
    quiet = grid_code("440781", 112.55, 22.05)
    hour = (end // 3600 - 30) * 3600
    day = end - 2 * 86400
    downtown = (113.07, 22.57, 113.09, 22.588)  # ~2 km × 2 km around the 蓬江 seat
    rural = (112.54, 22.04, 112.56, 22.058)
    district = (112.95, 22.45, 113.15, 22.65)  # ~20 km × 20 km: 蓬江, 江海 and part of 新会
    sea = (112.0, 21.45, 112.3, 21.65)  # ~30 km × 20 km of sea south-west of 台山: no events
    first = store.events(EventQuery(since=hour, until=hour + 3600, limit=100))
    uid_42 = ((store.event("b42") or {}).get("hub") or {}).get("uid", "")  # by CE id; then timed by its uid
    source_4242 = (store.event("b4242") or {}).get("source", "")
    return {
        "cell_busy": timed(lambda: store.events(EventQuery(grid=busy, limit=100))),
        "cell_quiet": timed(lambda: store.events(EventQuery(grid=quiet, limit=100))),
        "cell_day": timed(lambda: store.events(EventQuery(grid=busy, since=day, until=day + 86400, limit=100))),
        "town_prefix": timed(lambda: store.events(EventQuery(grid=busy[:9], limit=100))),
        "bbox_2km_downtown": timed(lambda: store.events(EventQuery(bbox=downtown, limit=100))),
        "bbox_2km_rural": timed(lambda: store.events(EventQuery(bbox=rural, limit=100))),
        "bbox_2km_hour": timed(lambda: store.events(EventQuery(bbox=downtown, since=hour, until=hour + 3600))),
        "bbox_20km": timed(lambda: store.events(EventQuery(bbox=district, limit=100))),
        "bbox_city": timed(lambda: store.events(EventQuery(bbox=BBOX, limit=100))),
        "bbox_sea": timed(lambda: store.events(EventQuery(bbox=sea, limit=100)), runs=3),
        "hour": timed(lambda: store.events(EventQuery(since=hour, until=hour + 3600, limit=100))),
        "hour_page_2": timed(lambda: store.events(EventQuery(since=hour, until=hour + 3600, limit=100,
                                                             before=first.next_cursor))),
        "hour_1000": timed(lambda: store.events(EventQuery(since=hour, until=hour + 3600, limit=1000))),
        "district_type_day": timed(lambda: store.events(EventQuery(type="city.fire.alarm", district="440705",
                                                                   since=day, until=day + 86400))),
        "event_by_uid": timed(lambda: store.event(uid_42)),
        "stats_district_day": timed(lambda: store.stats("district", since=day, until=day + 86400)),
        "stats_type_30d": timed(lambda: store.stats("type")),
        "stats_town_day": timed(lambda: store.stats("town", since=day, until=day + 86400)),
        "stats_grid_day": timed(lambda: store.stats("grid", since=day, until=day + 86400, limit=100), runs=3),
        "trend_hourly_7d": timed(lambda: store.trend(end - 7 * 86400, end)),
        "trend_daily_30d_by_domain": timed(lambda: store.trend(end - 30 * 86400, end, "day", by="domain")),
        "crosstab_district_domain_30d": timed(lambda: store.crosstab("district", "domain", end - 30 * 86400, end)),
        "top_cells_day": timed(lambda: store.top_cells(day, day + 86400), runs=3),
        "top_cells_7d": timed(lambda: store.top_cells(end - 7 * 86400, end), runs=3),
        "counts": timed(store.counts),
        # the other filters of `events()` and the single-event reads
        "type_common": timed(lambda: store.events(EventQuery(type="city.parking.occupancy", limit=100))),
        "type_rare": timed(lambda: store.events(EventQuery(type="city.weather.warning", limit=100))),
        "type_absent": timed(lambda: store.events(EventQuery(type="city.none.such", limit=100))),
        "type_day_10000": timed(lambda: store.events(EventQuery(type="city.water.level", since=day, until=day + 86400,
                                                                limit=10_000)), runs=3),
        "district": timed(lambda: store.events(EventQuery(district="440785", limit=100))),
        "district_absent": timed(lambda: store.events(EventQuery(district="999999", limit=100)), runs=3),
        "district_day": timed(lambda: store.events(EventQuery(district="440785", since=day, until=day + 86400))),
        "warning_district_since": timed(lambda: store.events(EventQuery(type="city.weather.warning", district="440703",
                                                                        since=day))),
        "domain": timed(lambda: store.events(EventQuery(domain="fire", limit=100))),
        "department": timed(lambda: store.events(EventQuery(department="江门市消防救援支队", limit=100))),
        "day_window": timed(lambda: store.events(EventQuery(since=day, until=day + 86400, limit=100))),
        "newest": timed(lambda: store.events(EventQuery(limit=100))),
        "event_by_ce_id": timed(lambda: store.event("b4242")),
        "stored_source_id": timed(lambda: store.stored(source_4242, "b4242")),
    }


def write_rate(store: Store, batches: int = 20, size: int = 500) -> dict[str, Any]:
    """Events per second through `Store.write` (the pipeline's path), batches of `size`, on the full store;
    the events are of the last hour, as a running hub receives them."""
    made = [r for chunk in rows(batches * size, 99, time.time(), chunk=batches * size, days=1 / 24) for r in chunk]
    events = []
    for row in made:
        ce = orjson.loads(row[RAW]) | {"id": f"w{time.time_ns()}-{row[ID]}"}
        uid = event_uid(ce["source"], ce["id"], row[TIME])
        hub = HubBlock.model_validate(orjson.loads(row[BODY])["hub"] | {"uid": uid})
        events.append(Event(ce, Message(row[RAW], f"city/{row[DOMAIN]}/bench", "mqtt"), hub))
    began, cpu = time.perf_counter(), time.process_time()
    for i in range(batches):
        store.write(events[i * size:(i + 1) * size], [DeadLetter(b"{", "invalid JSON", "mqtt", "city/x/y", None, None,
                                                                  time.time())])
    return {"events": len(events), "batch": size, "events_per_s": round(len(events) / (time.perf_counter() - began)),
            "cpu_us_per_event": round(1e6 * (time.process_time() - cpu) / len(events), 1)}


def secondary_indexes(store: Store) -> dict[str, str]:
    """The events table's indexes that no constraint holds (name → definition): the ones a study may drop."""
    rows = store._rows(  # type: ignore[attr-defined]
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
        if type(store).__name__ == "SqliteStore" else
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid = 'events'::regclass)")
    return dict(sorted(rows))


def ddl(store: Store, sql: str) -> None:
    """One statement on the store's own connection (SQLite) or one of its pool (PostgreSQL)."""
    if hasattr(store, "pool"):
        with store.pool.connection() as conn:
            conn.execute(sql)
    else:
        store._conn().execute(sql)  # type: ignore[attr-defined]


def without_each_index(store: Store, end: float, write: bool) -> dict[str, Any]:
    """The queries (and the write rate) with every index, then with each secondary index of `events` dropped in
    turn and built again after: what each index serves, and what it costs a write."""
    report: dict[str, Any] = {}
    for name, definition in [("", ""), *secondary_indexes(store).items()]:
        if name:
            ddl(store, f"DROP INDEX {name}")
        began = time.perf_counter()
        found: dict[str, Any] = {"queries": queries(store, end)}
        if write:
            found["write"] = write_rate(store, batches=10)
        if name:
            ddl(store, definition)
            ddl(store, f"ANALYZE {name}" if hasattr(store, "_conn") else "ANALYZE events")
        found["took_s"] = round(time.perf_counter() - began, 1)
        report[name or "all"] = found
        print(f"{name or 'all'}: {found['took_s']} s", file=sys.stderr, flush=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="sqlite:///PATH or postgresql://…")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="query the store as it is, do not fill it")
    parser.add_argument("--no-write", action="store_true", help="skip the write-rate measurement")
    parser.add_argument("--without-each-index", action="store_true",
                        help="then time everything again with each secondary index of events dropped in turn")
    args = parser.parse_args()
    report: dict[str, Any] = {"db": args.db.split("://")[0], "events": args.events}
    began = time.perf_counter()
    store = open_store(args.db)  # on an existing database this includes any upgrade of its indexes
    report["open_s"] = round(time.perf_counter() - began, 1)
    end = time.time()
    if not args.reuse:
        store.close()
        done = [0]

        def progress(k: int) -> None:
            done[0] += k
            if sys.stderr.isatty() or done[0] % 1_000_000 < k:
                print(f"\rfilled {done[0]:,} / {args.events:,}", end="", file=sys.stderr, flush=True)

        began = time.perf_counter()
        chunks = rows(args.events, args.seed, end)
        if args.db.startswith("sqlite:///"):
            fill_sqlite(args.db.removeprefix("sqlite:///"), chunks, progress)
        else:
            fill_postgres(args.db, chunks, progress)
        report["fill_s"] = round(time.perf_counter() - began, 1)
        store = open_store(args.db)
        began = time.perf_counter()
        store.rebuild_tallies()  # type: ignore[attr-defined]
        report["tallies_s"] = round(time.perf_counter() - began, 1)
        print(file=sys.stderr)
    else:
        hours = [calendar.timegm(time.strptime(r["key"], "%Y-%m-%dT%H:00:00Z")) for r in store.stats("hour")]
        end = max(hours, default=end - 3600) + 3600.0
    report["stored"] = store.counts()
    report["queries"] = queries(store, end)
    if not args.no_write:
        report["write"] = write_rate(store)
    if args.without_each_index:
        report["without_each_index"] = without_each_index(store, end, not args.no_write)
    store.close()
    print(orjson.dumps(report).decode())


if __name__ == "__main__":
    main()
