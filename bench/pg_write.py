"""What a stored event costs PostgreSQL: the server backend's CPU and the hub's, per event, by schema variant.

    .venv/bin/python -m bench.pg_write --admin postgresql://postgres@127.0.0.1:5432/postgres \\
        [--events 40000] [--batch 4000] [--variants base no-geom-index …] [--rounds 2] [--icu zh-Hans-CN]

The bench's load goes through the hub's own `prepare` (decode, place, route, rules) once, then into
`PostgresStore.write` in batches, in a fresh database per variant (`cityhub_pg_write`, dropped after).
A variant is the store's schema with some change applied after it is created: an index dropped, or
the identifier columns given the "C" collation. The backend's CPU is read from /proc, so the server
must run on this machine. Variants run in turn, `--rounds` times, so a machine whose speed drifts
disturbs them alike. Prints one JSON line a run: server and client CPU µs and wall µs per event.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

from bench.load import build_load
from bench.pipeline import messages
from bench.stats import python_pace
from hub.events import Event
from hub.store.postgres import PostgresStore

IDENTIFIERS = ("uid", "id", "source", "type", "district_code")
VARIANTS: dict[str, list[str]] = {
    "base": [],
    "no-id-source-unique": ["ALTER TABLE events DROP CONSTRAINT events_id_source_key"],
    "no-uid-unique": ["ALTER TABLE events DROP CONSTRAINT events_uid_key"],
    "no-geom-index": ["DROP INDEX events_geom"],
    "no-time-btrees": [f"DROP INDEX {name}" for name in
                       ("events_time", "events_type_time", "events_district_time", "events_grid_time")],
    "collate-c": [f'ALTER TABLE events ALTER COLUMN {c} TYPE text COLLATE "C"' for c in IDENTIFIERS],
    "collate-c-id-index": ["ALTER TABLE events DROP CONSTRAINT events_id_source_key",
                           *(f'ALTER TABLE events ALTER COLUMN {c} TYPE text COLLATE "C"' for c in IDENTIFIERS),
                           "CREATE INDEX events_id ON events (id)"],
    "uid-only": ["ALTER TABLE events DROP CONSTRAINT events_id_source_key", "DROP INDEX events_geom",
                 *(f"DROP INDEX {name}" for name in
                   ("events_time", "events_type_time", "events_district_time", "events_grid_time"))],
}
DATABASE = "cityhub_pg_write"
WARM_BATCHES = 2


def prepared_events(count: int) -> list[Event]:
    from hub.runtime import Hub
    from hub.settings import Settings

    msgs = messages(build_load(count, run_tag=f"w{int(time.time())}").items)
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Settings(data_dir=Path(tmp), db=""))
        try:
            return [e for i in range(0, len(msgs), 2000) for e in hub.pipeline.prepare(msgs[i:i + 2000]).events]
        finally:
            hub.stop()


def backend_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def measure(admin: str, variant: str, events: list[Event], batch: int, icu: str | None) -> dict[str, Any]:
    locale = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu}' LOCALE 'C.UTF-8'" if icu else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}{locale}")
    store = PostgresStore(urlunsplit(urlsplit(admin)._replace(path=f"/{DATABASE}")), pool_size=1)
    try:
        with store.pool.connection() as conn:
            for statement in VARIANTS[variant]:
                conn.execute(statement)
            pid = conn.info.backend_pid
        warm = WARM_BATCHES * batch
        for i in range(0, warm, batch):
            store.write(events[i:i + batch], [])
        server, client, wall = backend_cpu(pid), time.process_time(), time.perf_counter()
        for i in range(warm, len(events), batch):
            store.write(events[i:i + batch], [])
        server, client, wall = backend_cpu(pid) - server, time.process_time() - client, time.perf_counter() - wall
    finally:
        store.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    n = len(events) - warm
    return {"variant": variant, "batch": batch, "events": n, "icu": icu,
            "server_us": round(1e6 * server / n, 1), "client_us": round(1e6 * client / n, 1),
            "wall_us": round(1e6 * wall / n, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg_write", description=__doc__.splitlines()[0])
    parser.add_argument("--admin", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a server on this machine, as a URL to a database that is not the one used")
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=4000)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--icu", help="create the database with this ICU locale (e.g. zh-Hans-CN)")
    args = parser.parse_args(argv)
    events = prepared_events(args.events)
    if len(events) <= WARM_BATCHES * args.batch:
        parser.error(f"--events must exceed {WARM_BATCHES} batches")
    print(json.dumps({"python_pace_s": python_pace(), "events": len(events)}), flush=True)
    for _ in range(args.rounds):
        for variant in args.variants:
            print(json.dumps(measure(args.admin, variant, events, args.batch, args.icu)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
