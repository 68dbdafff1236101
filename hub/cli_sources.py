"""`cityhub simulate`, `cityhub adapters`, `cityhub adapt`: the source systems' side."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS, get
from simulators.registry import SIMULATORS


def register(commands: Any) -> None:
    sim = commands.add_parser("simulate", help="run simulators through their adapters onto a broker")
    sim.add_argument("sources", nargs="+", metavar="SOURCE", help="simulator names, or 'all'")
    sim.add_argument("--rate", type=float, default=100, help="events per second, all sources together")
    sim.add_argument("--duration", type=float, default=60)
    sim.add_argument("--seed", type=int, default=2021)
    to = sim.add_mutually_exclusive_group(required=True)
    to.add_argument("--mqtt", help="mqtt://host:port")
    to.add_argument("--kafka", help="host:port")
    sim.set_defaults(func=run_simulate)

    commands.add_parser("adapters", help="list the adapters").set_defaults(func=run_adapters)

    adapt = commands.add_parser("adapt", help="run one adapter on native input; print CloudEvents")
    adapt.add_argument("adapter")
    adapt.add_argument("file", nargs="?", type=argparse.FileType("rb"), default=sys.stdin.buffer)
    adapt.set_defaults(func=run_adapt)


def publisher_for(args: argparse.Namespace) -> Any:
    if args.mqtt:
        from adapters.publisher import MqttPublisher

        return MqttPublisher(args.mqtt, "cityhub-simulate")
    from adapters.kafka_publisher import KafkaPublisher

    return KafkaPublisher(args.kafka)


def run_simulate(args: argparse.Namespace) -> int:
    from simulators.runner import simulate

    names = list(SIMULATORS) if args.sources == ["all"] else args.sources
    unknown = [n for n in names if n not in SIMULATORS]
    if unknown:
        print(f"cityhub: unknown simulator(s) {', '.join(unknown)}; known: {', '.join(SIMULATORS)}", file=sys.stderr)
        return 2
    publisher = publisher_for(args)
    try:
        counts = simulate([SIMULATORS[n] for n in names], publisher, rate=args.rate, duration=args.duration,
                          seed=args.seed)
    finally:
        publisher.close()
    print(json.dumps(counts))
    return 0


def run_adapters(args: argparse.Namespace) -> int:
    for adapter in ADAPTERS.values():
        print(f"{adapter.name:24} {adapter.topic:28} {','.join(adapter.event_types):40} {adapter.summary}")
    return 0


def run_adapt(args: argparse.Namespace) -> int:
    try:
        adapter = get(args.adapter)
    except KeyError as err:
        print(f"cityhub: {err.args[0]}", file=sys.stderr)
        return 2
    raw = args.file.read()
    messages = [line for line in raw.splitlines() if line.strip()] if adapter.framing == "lines" else [raw]
    failed = 0
    for number, message in enumerate(messages, 1):
        try:
            for event in adapter.adapt(message):
                print(json.dumps(event, ensure_ascii=False))
        except NativeRejected as reason:
            failed += 1
            where = f" (line {number})" if adapter.framing == "lines" else ""
            print(f"cityhub: rejected{where}: {reason}", file=sys.stderr)
    return 1 if failed else 0
