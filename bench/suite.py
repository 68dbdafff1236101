"""The runs behind docs/BENCHMARKS.md, one JSON line each, in order:

    .venv/bin/python -m bench.suite [--quick] [--db postgresql://…] [--only NAME …] > results.jsonl

Each run is `cityhub bench` (or `python -m bench.pipeline`) as a subprocess, so a run is exactly
the command printed beside its figures. The overload runs publish at twice the capacity the
sustained one-worker MQTT and Kafka runs measured, for 60 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

CITYHUB = [sys.executable, "-m", "hub.cli", "bench", "--json"]


def plan(db: str | None, quick: bool) -> list[tuple[str, list[str]]]:
    n = "20000" if quick else "100000"
    runs = [
        ("pipeline", [sys.executable, "-m", "bench.pipeline", "--events", "20000" if quick else "50000"]),
        ("mqtt", [*CITYHUB, "--transport", "mqtt", "--events", n]),
        ("kafka-sqlite", [*CITYHUB, "--transport", "kafka", "--events", n]),
        ("kafka-sqlite-2-workers", [*CITYHUB, "--transport", "kafka", "--events", n, "--workers", "2"]),
        ("mqtt-2-workers", [*CITYHUB, "--transport", "mqtt", "--events", n, "--workers", "2"]),
        ("mqtt-rate-1000", [*CITYHUB, "--transport", "mqtt", "--rate", "1000", "--duration", "30"]),
        ("kafka-rate-1000", [*CITYHUB, "--transport", "kafka", "--rate", "1000", "--duration", "30"]),
        ("mqtt-rate-3000", [*CITYHUB, "--transport", "mqtt", "--rate", "3000", "--duration", "30"]),
        ("kafka-rate-3000", [*CITYHUB, "--transport", "kafka", "--rate", "3000", "--duration", "30"]),
        ("kafka-rate-5000", [*CITYHUB, "--transport", "kafka", "--rate", "5000", "--duration", "30"]),
        ("kafka-rate-5000-2-workers", [*CITYHUB, "--transport", "kafka", "--rate", "5000", "--duration", "30",
                                       "--workers", "2"]),
        ("mqtt-rate-5000-2-workers", [*CITYHUB, "--transport", "mqtt", "--rate", "5000", "--duration", "30",
                                      "--workers", "2"]),
    ]
    if db:
        runs += [("kafka-postgis", [*CITYHUB, "--transport", "kafka", "--events", n, "--db", db]),
                 ("kafka-postgis-2-workers", [*CITYHUB, "--transport", "kafka", "--events", n, "--db", db,
                                              "--workers", "2"])]
    return runs


def run(name: str, command: list[str]) -> dict[str, Any]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"error": done.stderr.strip()[-500:]}
    shown = [c if not c.startswith("postgresql://") else "postgresql://…" for c in command]
    shown[:3] = ["cityhub"] if command[2] == "hub.cli" else ["python", "-m", command[2]]
    return {"run": name, "command": " ".join(shown), "exit": done.returncode} | result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events a run instead of 100,000")
    parser.add_argument("--db", help="a PostgreSQL+PostGIS URL for the PostGIS runs (a fresh database)")
    parser.add_argument("--only", nargs="*", help="run only these names")
    parser.add_argument("--overload", action="store_true", help="also the 60 s runs at twice the one-worker capacity")
    args = parser.parse_args(argv)
    capacity: dict[str, int] = {}
    for name, command in plan(args.db, args.quick):
        if args.only and name not in args.only:
            continue
        result = run(name, command)
        if name in ("mqtt", "kafka-sqlite") and result.get("events_per_s"):
            capacity[name] = int(result["events_per_s"])
        print(json.dumps(result, ensure_ascii=False), flush=True)
    # Kafka: one producer process, as in every other Kafka run. Two write record batches half as large, and a
    # tansu fetch lists every batch of its partition, so through the minute the broker, not the hub, slowed
    # the map: p99 2.3 s with two producers at a 20 ms linger, 425 ms at 40 ms, 437 ms with one (2026-11-27)
    for transport, base, producers in (("mqtt", "mqtt", "2"), ("kafka", "kafka-sqlite", "1")):
        if args.overload and base in capacity:  # one worker, twice what it sustained above
            rate = str(2 * capacity[base])
            print(json.dumps(run(f"{transport}-overload-2x-60s", [*CITYHUB, "--transport", transport, "--rate", rate,
                                                                 "--duration", "60", "--producers", producers]),
                             ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
