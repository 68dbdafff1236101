"""One benchmark run: broker, hub worker process(es), map clients, producers; then the figures as one dict.

Order matters: the load is generated and the producers forked before any thread starts; the
clock starts after a warm-up batch has gone all the way to the map and the hubs are idle again.
Several workers share the stream the way the multi-machine shape does: one Kafka consumer group,
or one MQTT 5 shared subscription; each worker has its own SQLite file unless --db names a store.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.brokers import Broker
from bench.census import census
from bench.dbserver import postmaster, server_cpu_seconds
from bench.hubproc import HubProcess, Hubs
from bench.live import LiveClients
from bench.load import Load, build_load
from bench.publish import KAFKA_TOPIC, LINGER_MS, Producers
from bench.stats import latency_summary, python_pace
from bench.transports import BenchTransport, bench_for

WARMUP = 100
DRAIN_LOOK_S = 0.25  # how often the hubs' totals are looked at while they drain


@dataclass
class Options:
    transport: str = "mqtt"
    events: int = 50_000
    rate: float = 0.0  # events per second; 0: as fast as the producers go
    db: str | None = None  # default: SQLite in the run's temporary folder, one file per worker
    duration: float | None = None
    producers: int = 1
    workers: int = 1
    partitions: int = 6
    drain_timeout: float = 600
    seed: int = 2021
    progress: bool = False
    latencies: str | None = None  # a CSV file: each event's send time and publish→map latency
    linger_ms: float = LINGER_MS  # how long a Kafka producer gathers records into one batch
    bare: bool = True  # at full speed, also measure the bare consumer (bench.bare) and report the ratio


def run(opts: Options) -> dict[str, Any]:
    busy = round(os.getloadavg()[0], 2)  # what else this machine was doing before the run
    pace = python_pace()  # and how fast it is now
    count = int(opts.rate * opts.duration) if opts.rate and opts.duration else opts.events
    began = time.time()
    tag = f"b{int(began * 1000) % 10**10}"
    say(opts, f"generating {count:,} events …")
    load = build_load(count + WARMUP, seed=opts.seed, run_tag=tag)
    transport = bench_for(opts.transport)
    bare_wanted = opts.bare and not opts.rate  # the ratio is of full-speed rates
    with tempfile.TemporaryDirectory(prefix="cityhub-bench-") as tmp:
        work = Path(tmp)
        broker = transport.broker(work / "broker")
        with broker:
            transport.prepare(broker, opts.partitions)
            # every producer process is forked here, before any thread starts (the bare subscriber's own too)
            bare_producers = Producers(opts.transport, broker.url, load, warmup=WARMUP, rate=0,
                                       processes=opts.producers, linger_ms=opts.linger_ms,
                                       name="bench-bare-producer") if bare_wanted and transport.bare_first else None
            producers = Producers(opts.transport, broker.url, load, warmup=WARMUP, rate=opts.rate,
                                  processes=opts.producers, duration=opts.duration, linger_ms=opts.linger_ms)
            for group in (bare_producers, producers):
                if group is not None:
                    group.start()
            hubs = Hubs([HubProcess(work / f"w{n}", broker=transport.hub_url(broker), db=opts.db,
                                    env=transport.shared(tag, opts.workers), name=f"hub{n}")
                         for n in range(opts.workers)])
            try:
                bare = bare_run(transport, broker, len(load), tag, bare_producers) if bare_producers else None
                hubs.start()
                figures = measure(opts, transport, load, broker, hubs, producers)
                if bare_wanted and not transport.bare_first:
                    bare = bare_run(transport, broker, producers.sent, tag, None)
                if "lost_clues" in figures and opts.transport == "kafka":
                    # a timed run stops short: the census looks for what was sent
                    sent = [k for k, t in zip(load.keys, producers.times(), strict=True) if t]
                    figures["lost_clues"]["census"] = census(broker.url, [w.db_url for w in hubs.workers], sent, tag,
                                                             began)
                return figures | bare_figures(figures, bare) | {"loadavg_before": busy, "python_pace_s": pace}
            finally:
                if bare_producers is not None:
                    bare_producers.stop()
                producers.stop()
                hubs.stop()


def bare_run(transport: BenchTransport, broker: Broker, expected: int, tag: str,
             producers: Producers | None) -> dict[str, Any]:
    """The bare consumer's figures; one that fails says why in `error` and leaves the hub's run to go on."""
    try:
        return transport.bare(broker, expected, tag, producers)
    except Exception as err:
        return {"client": None, "error": f"{type(err).__name__}: {err}"}


def bare_figures(figures: dict[str, Any], bare: dict[str, Any] | None) -> dict[str, Any]:
    """The bare consumer's figures and the hub's rate as a share of its rate (None when not measured); also the
    share per CPU second (the hubs' processes against the bare consumer's), which a busy machine moves less."""
    rate, per_cpu = (bare or {}).get("events_per_s"), (bare or {}).get("events_per_cpu_s")
    return {"bare": bare, "hub_to_bare": round(figures["events_per_s"] / rate, 3) if rate else None,
            "hub_to_bare_per_cpu": round(figures["events_per_cpu_s"] / per_cpu, 3) if per_cpu else None}


def measure(opts: Options, transport: BenchTransport, load: Load, broker: Broker, hubs: Hubs,
            producers: Producers) -> dict[str, Any]:
    wait(lambda: transport.ready(hubs), 120, "every worker to be ready (Kafka: to own partitions)")
    live = LiveClients([w.url for w in hubs.workers])
    live.start()
    try:
        producers.warm.set()

        def warmed() -> bool:
            producers.check()
            return live.arrived(load.keys[:WARMUP]) == WARMUP

        wait(warmed, 120, "the warm-up events on the map")
        settle(hubs)
        before = hubs.totals()
        server = postmaster(opts.db) if opts.db and opts.db.startswith("postgres") else None
        db_cpu0 = server_cpu_seconds(server) if server else 0.0
        cpu0, broker_cpu0, t0 = hubs.cpu_seconds(), cpu_of(broker), time.time()
        own_cpu0 = time.process_time()
        producers.go.set()
        say(opts, f"publishing over {opts.transport} …")
        sent, backlog_peak, finished_at = watch(opts, producers, hubs, before["stored"] + before["dead"])
        after = hubs.totals()
        outcome = {k: after[k] - before[k] for k in after}
        done = outcome["stored"] + outcome["dead"]  # redeliveries (duplicates) are not more events
        if done >= sent and not outcome["fresh_held_back"]:
            last_arrival(live, load)  # the map's last flush (what a fresh view held back never comes)
        t_end = finished_at
        elapsed = max(t_end - t0, 1e-9)
        cpu, broker_cpu = hubs.cpu_seconds() - cpu0, cpu_of(broker) - broker_cpu0
        db_cpu = server_cpu_seconds(server) - db_cpu0 if server else None
        own_cpu = time.process_time() - own_cpu0
        time.sleep(0.3)  # the last flush of the live stream
    finally:
        live.stop()
    times, arrivals = producers.times(), live.arrivals()
    lat = [(arrivals[k] - times[i]) * 1000 for i, k in enumerate(load.keys) if i >= WARMUP and k in arrivals]
    received, previews = live.received(), live.previews()
    shown = [(i, k) for i, k in enumerate(load.keys) if i >= WARMUP and k in arrivals and k in received]
    lat_split = {"to_hub": latency_summary([(received[k] - times[i]) * 1000 for i, k in shown]),
                 "in_hub": latency_summary([(arrivals[k] - received[k]) * 1000 for _, k in shown])}
    lat_fresh = [(arrivals[k] - times[i]) * 1000 for i, k in enumerate(load.keys) if i >= WARMUP and k in previews]
    first_send = min((t for t in times[WARMUP:] if t), default=t0)
    if opts.latencies:
        write_latencies(opts.latencies, load, times, arrivals, received, previews, first_send)
    last_send = max(times[WARMUP:], default=t0)
    return {
        "transport": opts.transport, "store": "postgresql" if (opts.db or "").startswith("postgres") else "sqlite",
        "events": sent, "rate": opts.rate or None, "events_per_s": round(done / elapsed),
        "publish_rate": round(sent / max(last_send - first_send, 1e-9)),
        "latency_ms": latency_summary(lat),
        # the same split where the hub took the event (its `received_at`): the producer, broker and fetch
        # before; the inbox, batch window, pipeline, commit and live stream after (each part's own percentiles)
        "latency_split_ms": lat_split,
        "cpu_percent": round(100 * cpu / elapsed, 1), "rss_mb": round(hubs.peak_rss / 2**20, 1),
        "events_per_cpu_s": round(done / max(cpu, 1e-9)),  # per CPU second of the hubs: steadier on a busy box
        "broker_cpu_percent": round(100 * broker_cpu / elapsed, 1),
        # PostgreSQL on this machine: its processes' CPU, and events per CPU second of the hubs and it together,
        # which compares with a SQLite run's events_per_cpu_s (there the store's work is in the hubs' own CPU)
        "db_cpu_percent": None if db_cpu is None else round(100 * db_cpu / elapsed, 1),
        "events_per_cpu_s_with_db": None if db_cpu is None else round(done / max(cpu + db_cpu, 1e-9)),
        "producer_cpu_percent": round(100 * sum(producers.cpu) / elapsed, 1),
        "map_clients_cpu_percent": round(100 * own_cpu / elapsed, 1),  # this process: the WebSocket clients
        "stored": outcome["stored"], "duplicates": outcome["duplicates"], "dead": outcome["dead"],
        "mean_batch": round((done + outcome["duplicates"]) / max(outcome["batches"], 1)),  # events a transaction
        "dead_reasons": hubs.dead_reasons(outcome["dead"]) if outcome["dead"] else {},
        "arrived_on_map": len(lat), "map_dropped": live.dropped, "republish_shed": outcome["republish_shed"],
        "fresh_view": {k: outcome[f"fresh_{k}"] for k in ("opened", "shown", "skipped", "held_back")}
        | {"latency_ms": latency_summary(lat_fresh) if lat_fresh else None},
        "mqtt_reconnects": outcome["mqtt_connections"],  # connections made during the run, all workers
        "kafka_offset_gaps": {k: outcome[f"kafka_gaps_{k}"] for k in ("found", "recovered", "accepted")},
        "all_arrived": len(lat) == outcome["stored"] and done == sent, "lost": max(0, sent - done),
        "seconds": round(elapsed, 2), "publish_s": round(last_send - first_send, 2),
        "drain_s": round(max(0.0, t_end - last_send), 2), "backlog_peak": backlog_peak,
        "workers": opts.workers, "producers": opts.producers,
        "partitions": opts.partitions if opts.transport == "kafka" else None,
        "linger_ms": opts.linger_ms if opts.transport == "kafka" else None,
        "load": load.summary(), "cores": cores(),
    } | ({"lost_clues": lost_clues(hubs)} if done < sent else {})


def write_latencies(path: str, load: Load, times: Any, arrivals: dict[Any, float], received: dict[Any, float],
                    previews: Any, first_send: float) -> None:
    """One line an event that reached the map: seconds from the first send, latency in ms, the part of it
    before the hub took the event (empty if unknown), and whether it came as a fresh-view preview. When the
    tail clusters in time it is a stall (a checkpoint, a collection, a rebalance); spread evenly, it is the
    batching."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("sent_s,latency_ms,to_hub_ms,preview\n")
        for i, key in enumerate(load.keys):
            if i >= WARMUP and key in arrivals:
                latency = (arrivals[key] - times[i]) * 1000
                to_hub = f"{(received[key] - times[i]) * 1000:.2f}" if key in received else ""
                out.write(f"{times[i] - first_send:.4f},{latency:.2f},{to_hub},{int(key in previews)}\n")


def lost_clues(hubs: Hubs) -> dict[str, Any]:
    """When events were not handled: what each worker's transports said (a Kafka lag of 0 means its consumer
    saw nothing more to read) and its last warnings. `run` adds, for Kafka, the broker's census."""
    return {"workers": [
        {"transports": (w.health().get("transports") or {}),
         "warnings": [line for line in w.log_lines(400) if " WARNING " in line or " ERROR " in line][-10:]}
        for w in hubs.workers]}


def watch(opts: Options, producers: Producers, hubs: Hubs, before: int) -> tuple[int, int, float]:
    """Wait for the producers, then for the hubs to finish with everything sent; the largest backlog (sent,
    not yet handled) seen on the way, and when they were done: the last batch any of them stored, as each
    hub's `/healthz` says, so the looks (each costs a hub's event loop a request) need not be frequent."""
    peak = 0
    while any(p.is_alive() for p in producers.procs):
        producers.check()
        handled = hubs.handled() - before
        peak = max(peak, producers.sent - WARMUP - handled)
        say(opts, f"sent {producers.sent - WARMUP:,} · handled {handled:,}", end="\r")
        time.sleep(0.5)
    producers.join(5)
    sent = producers.sent - WARMUP
    deadline = time.monotonic() + opts.drain_timeout
    while (handled := hubs.handled() - before) < sent and time.monotonic() < deadline:
        peak = max(peak, sent - handled)
        say(opts, f"sent {sent:,} · handled {handled:,} (draining)", end="\r")
        time.sleep(DRAIN_LOOK_S)
    say(opts, "")
    done_at = hubs.last_stored_at() if handled >= sent else None
    return sent, peak, done_at or time.time()


def settle(hubs: Hubs, timeout: float = 90) -> None:
    """Wait until the hubs are idle (under 10% of a core for a second): start-up loading is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = hubs.cpu_seconds()
        time.sleep(1.0)
        if hubs.cpu_seconds() - before < 0.1 * len(hubs.workers):
            return


def last_arrival(live: LiveClients, load: Load) -> float:
    wait(lambda: live.arrived(load.keys[-50:]) == len(load.keys[-50:]), 10, "the last events on the map",
         fail=False)
    arrivals = live.arrivals()
    times = [arrivals[k] for k in load.keys[WARMUP:] if k in arrivals]
    return max(times) if times else time.time()


def create_topic(bootstrap: str, partitions: int) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(KAFKA_TOPIC, partitions, 1)])
    finally:
        admin.close()


def cpu_of(broker: Broker) -> float:
    import psutil

    if broker.proc is None:
        return 0.0
    times = psutil.Process(broker.proc.pid).cpu_times()
    return float(times.user + times.system)


def cores() -> int:
    return len(os.sched_getaffinity(0))


def wait(check: Any, timeout: float, what: str, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            if fail:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            return
        time.sleep(0.05)


def say(opts: Options, text: str, end: str = "\n") -> None:
    if opts.progress:
        print(f"\x1b[2K{text}", end=end, file=sys.stderr, flush=True)
