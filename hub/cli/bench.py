"""`cityhub bench`: the whole hub against real brokers it starts itself; prints one JSON object."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="benchmark the hub end to end: broker → pipeline → store → live map",
        description="Starts its own Mosquitto or tansu on a free port and a hub process (`cityhub serve`), "
                    "publishes a pre-generated mixed load from every simulator, and measures sustained "
                    "events/s, publish→WebSocket latency, and the hub's CPU and peak memory.")
    from bench.transports import names

    bench.add_argument("--transport", choices=names(), default="mqtt")
    bench.add_argument("--events", type=int, default=50_000, help="events to publish (default 50,000)")
    bench.add_argument("--rate", type=float, default=0, help="events per second; 0 (default): as fast as possible")
    bench.add_argument("--db", help="store URL: sqlite:///PATH or postgresql://… (default: SQLite in a temp dir)")
    bench.add_argument("--duration", type=float,
                       help="seconds to publish; with --rate, sets --events to rate × duration")
    bench.add_argument("--producers", type=int, default=1, help="publishing processes (default 1)")
    bench.add_argument("--workers", type=int, default=1,
                       help="hub worker processes: one Kafka consumer group / one MQTT shared subscription")
    bench.add_argument("--partitions", type=int, default=6, help="partitions of city.events (Kafka)")
    bench.add_argument("--linger-ms", type=float,
                       help="Kafka: how long a producer gathers records into one batch "
                            "(default 20 ms; shorter costs the broker more per event)")
    bench.add_argument("--no-bare", dest="bare", action="store_false",
                       help="skip the bare consumer (at full speed a run also measures what a consumer that does "
                            "nothing takes from the same broker, and reports the hub's rate as a share of it)")
    bench.add_argument("--seed", type=int, default=2021)
    bench.add_argument("--json", action="store_true", help="only the JSON line, no progress on stderr")
    bench.add_argument("--latencies", metavar="CSV", help="also write each event's send time and latency here")
    bench.set_defaults(func=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    from bench.run import Options, run

    if min(args.events, args.producers, args.workers) < 1 or args.rate < 0 or (
            args.duration is not None and args.duration <= 0) or (args.linger_ms or 0) < 0:
        print("cityhub: --events, --producers and --workers must be ≥ 1, --rate and --linger-ms ≥ 0, --duration > 0",
              file=sys.stderr)
        return 2
    opts = Options(transport=args.transport, events=args.events, rate=args.rate, db=args.db,
                   duration=args.duration, producers=args.producers, workers=args.workers, partitions=args.partitions,
                   seed=args.seed, latencies=args.latencies, bare=args.bare,
                   progress=not args.json and sys.stderr.isatty(),
                   linger_ms=Options.linger_ms if args.linger_ms is None else args.linger_ms)
    result = run(opts)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["lost"] == 0 else 1
