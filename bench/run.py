"""One benchmark run: broker, hub process, map client, producers; then the figures as one dict.

Order matters: the load is generated and the producers forked before any thread starts; the
clock starts after a warm-up batch has gone all the way to the map client.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.brokers import Broker, Mosquitto, Tansu
from bench.hubproc import HubProcess
from bench.live import LiveClient
from bench.load import Load, build_load
from bench.publish import KAFKA_TOPIC, Producers
from bench.stats import latency_summary

WARMUP = 100


@dataclass
class Options:
    transport: str = "mqtt"
    events: int = 50_000
    rate: float = 0.0  # events per second; 0: as fast as the producers go
    db: str | None = None  # default: SQLite in the run's temporary folder
    duration: float | None = None
    producers: int = 1
    partitions: int = 6
    drain_timeout: float = 300
    seed: int = 2021
    progress: bool = False


def run(opts: Options) -> dict[str, Any]:
    busy = round(os.getloadavg()[0], 2)  # what else this machine was doing before the run
    count = int(opts.rate * opts.duration) if opts.rate and opts.duration else opts.events
    tag = f"b{int(time.time() * 1000) % 10**10}"
    say(opts, f"generating {count:,} events …")
    load = build_load(count + WARMUP, seed=opts.seed, run_tag=tag)
    with tempfile.TemporaryDirectory(prefix="cityhub-bench-") as tmp:
        work = Path(tmp)
        broker: Broker = Mosquitto(work / "broker") if opts.transport == "mqtt" else Tansu(work / "broker")
        with broker:
            if opts.transport == "kafka":
                create_topic(broker.url, opts.partitions)
            producers = Producers(opts.transport, broker.url, load, warmup=WARMUP, rate=opts.rate,
                                  processes=opts.producers, duration=opts.duration)
            producers.start()
            hub = HubProcess(work, **{opts.transport: broker.url}, db=opts.db,  # type: ignore[arg-type]
                             env={"CITYHUB_KAFKA_GROUP": f"bench-{tag}"})
            try:
                hub.start()
                return measure(opts, load, broker, hub, producers) | {"loadavg_before": busy}
            finally:
                producers.stop()
                hub.stop()


def measure(opts: Options, load: Load, broker: Broker, hub: HubProcess, producers: Producers) -> dict[str, Any]:
    live = LiveClient(hub.url)
    live.start()
    try:
        producers.warm.set()
        wait(lambda: live.arrived(load.keys[:WARMUP]) == WARMUP, 120, "the warm-up events on the map")
        settle(hub)
        before = hub.totals()
        cpu0, broker_cpu0, t0 = hub.cpu_seconds(), cpu_of(broker), time.time()
        producers.go.set()
        say(opts, f"publishing over {opts.transport} …")
        sent = watch(opts, producers, hub, sum(before.values()))
        after = hub.totals()
        outcome = {k: after[k] - before[k] for k in after}
        done = sum(outcome.values())
        t_end = last_arrival(live, load, WARMUP) if done >= sent else time.time()
        elapsed = max(t_end - t0, 1e-9)
        cpu, broker_cpu = hub.cpu_seconds() - cpu0, cpu_of(broker) - broker_cpu0
        time.sleep(0.3)  # the last flush of the live stream
    finally:
        live.stop()
    times = producers.times()
    lat = [(live.arrivals[k] - times[i]) * 1000 for i, k in enumerate(load.keys) if i >= WARMUP and k in live.arrivals]
    first_send = min((t for t in times[WARMUP:] if t), default=t0)
    last_send = max(times[WARMUP:], default=t0)
    store = "postgresql" if (opts.db or "").startswith("postgres") else "sqlite"
    return {
        "transport": opts.transport, "store": store, "events": sent, "rate": opts.rate or None,
        "events_per_s": round(done / elapsed),
        "publish_rate": round(sent / max(last_send - first_send, 1e-9)),
        "latency_ms": latency_summary(lat),
        "cpu_percent": round(100 * cpu / elapsed, 1), "rss_mb": round(hub.peak_rss / 2**20, 1),
        "broker_cpu_percent": round(100 * broker_cpu / elapsed, 1),
        "stored": outcome["stored"], "duplicates": outcome["duplicates"], "dead": outcome["dead"],
        "dead_reasons": hub.dead_reasons() if outcome["dead"] else {},
        "arrived_on_map": len(lat), "map_dropped": live.dropped,
        "all_arrived": len(lat) == outcome["stored"] and done == sent, "lost": max(0, sent - done),
        "seconds": round(elapsed, 2), "producers": opts.producers,
        "partitions": opts.partitions if opts.transport == "kafka" else None,
        "load": load.summary(), "cores": cores(),
    }


def watch(opts: Options, producers: Producers, hub: HubProcess, before: int) -> int:
    """Wait for the producers, then for the hub to finish with everything they sent."""
    while any(p.is_alive() for p in producers.procs):
        say(opts, f"sent {producers.sent.value - WARMUP:,} · handled {hub.handled() - before:,}", end="\r")
        time.sleep(0.5)
    producers.join(5)
    sent = producers.sent.value - WARMUP
    deadline = time.monotonic() + opts.drain_timeout
    while hub.handled() - before < sent and time.monotonic() < deadline:
        say(opts, f"sent {sent:,} · handled {hub.handled() - before:,} (draining)", end="\r")
        time.sleep(0.1)
    say(opts, "")
    return sent


def settle(hub: HubProcess, timeout: float = 90) -> None:
    """Wait until the hub is idle (under 10% of a core for a second): its start-up loading is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = hub.cpu_seconds()
        time.sleep(1.0)
        if hub.cpu_seconds() - before < 0.1:
            return


def last_arrival(live: LiveClient, load: Load, skip: int) -> float:
    wait(lambda: live.arrived(load.keys[-50:]) == len(load.keys[-50:]), 10, "the last events on the map",
         fail=False)
    times = [live.arrivals[k] for k in load.keys[skip:] if k in live.arrivals]
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
