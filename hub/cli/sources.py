"""`cityhub simulate`, `cityhub replay`, `cityhub adapters`, `cityhub adapt`: the source systems' side."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS, get
from hub.transports.base import Publisher, kafka_url, transport_for
from simulators.registry import SIMULATORS


def register(commands: Any) -> None:
    sim = commands.add_parser("simulate", help="run simulators through their adapters onto a broker")
    sim.add_argument("sources", nargs="+", metavar="SOURCE", help="simulator names, or 'all'")
    sim.add_argument("--rate", type=float, default=100, help="events per second, all sources together")
    sim.add_argument("--duration", type=float, default=60)
    sim.add_argument("--seed", type=int, default=2021)
    to = sim.add_mutually_exclusive_group(required=True)
    to.add_argument("--mqtt", help="mqtt://host:port or mqtts://host:port (CITYHUB_TLS_CA_FILE …)")
    to.add_argument("--kafka", help="host:port")
    sign_option(sim)
    sim.set_defaults(func=run_simulate)

    play = commands.add_parser("replay", help="publish a scenario's timed events; --check verifies its expectations")
    play.add_argument("scenario", type=Path, metavar="SCENARIO.yaml")
    play.add_argument("--speed", type=float, default=1.0, help="times faster than scenario time (default 1)")
    play.add_argument("--seed", type=int, default=2021)
    play.add_argument("--start", help="scenario start, RFC 3339 (default: so that it ends now, to the minute)")
    play.add_argument("--check", metavar="HUB_URL", help="then verify the expectations against this hub")
    play.add_argument("--wait", type=float, default=60, help="seconds the hub has to meet them (default 60)")
    play.add_argument("--token", help="token for the hub's API: a viewer's, or the operator's for a scenario "
                                      "whose simulated staff work the cases (its `staff`)")
    out = play.add_mutually_exclusive_group(required=True)
    out.add_argument("--mqtt", help="mqtt://host:port")
    out.add_argument("--kafka", help="host:port")
    out.add_argument("--out", type=Path, help="write the native messages (JSON lines) instead of publishing")
    sign_option(play)
    play.set_defaults(func=run_replay)

    commands.add_parser("adapters", help="list the adapters").set_defaults(func=run_adapters)

    adapt = commands.add_parser("adapt", help="run one adapter on native input; print CloudEvents")
    adapt.add_argument("adapter")
    adapt.add_argument("file", nargs="?", type=argparse.FileType("rb"), default=sys.stdin.buffer)
    adapt.set_defaults(func=run_adapt)


def sign_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--sign-key", action="append", metavar="ADAPTER=PRIVATE.pem|DIR",
                         help="sign the adapter's events with this key (`cityhub keys issue`); a directory: every "
                              "<adapter>.pem in it; repeatable (default: env CITYHUB_SIGNING_KEYS)")


def publisher_for(args: argparse.Namespace, client_id: str = "cityhub-simulate") -> Publisher:
    from hub.settings import Settings
    from hub.trust.signer import Signer
    from hub.trust.tls import TlsFiles

    settings = Settings()  # the environment's CITYHUB_SIGNING_KEYS, CITYHUB_TLS_*, CITYHUB_KAFKA_OPTIONS
    specs = args.sign_key or settings.signing_keys
    signer = Signer.load(specs) if specs else None
    url = args.mqtt or kafka_url(args.kafka)
    transport = transport_for(url)
    extra = settings.kafka_options if transport.name == "kafka" else {}
    return transport.publisher(url, client_id, signer=signer, tls=TlsFiles.of(settings), **extra)


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


def run_replay(args: argparse.Namespace) -> int:
    from simulators.replay import check, default_start, replay, terminal_say
    from simulators.scenario import ScenarioError, load
    from simulators.staff import HttpDesk, working_staff
    from simulators.staff_profiles import habits

    if args.speed <= 0:
        print("cityhub: --speed must be > 0", file=sys.stderr)
        return 2
    try:
        scenario = load(args.scenario)
        start = datetime.fromisoformat(args.start) if args.start else default_start(scenario)
    except (ScenarioError, ValueError) as err:
        print(f"cityhub: {err}", file=sys.stderr)
        return 2
    if start.tzinfo is None:
        print("cityhub: --start needs a UTC offset", file=sys.stderr)
        return 2
    if args.out:
        with args.out.open("w", encoding="utf-8") as handle:
            for t, name, raw in scenario.messages(args.seed, start):
                handle.write(json.dumps({"t": round(t, 3), "source": name,
                                         "native": base64.b64encode(raw).decode()}) + "\n")
        return 0
    publisher = publisher_for(args, f"cityhub-replay-{scenario.name}")
    desk = HttpDesk(args.check, args.token) if scenario.staff is not None and args.check and args.token else None
    if scenario.staff is not None and args.check and not args.token:
        print("cityhub: the scenario's simulated staff need the operator's --token; its indicators are skipped",
              file=sys.stderr)
    staff = scenario.staff or {}
    with working_staff(desk, int(staff.get("seed", args.seed)), float(staff.get("pace", habits().pace)) / args.speed,
                       max(0.2, 5.0 / args.speed)):
        try:
            counts = replay(scenario, publisher, seed=args.seed, start=start, speed=args.speed, say=terminal_say)
        finally:
            publisher.close()
        terminal_say("\n")
        print(json.dumps({"scenario": scenario.name, "start": start.isoformat(), **counts}))
        if not args.check:
            return 0
        outcomes = check(scenario, args.check, start, wait=args.wait, token=args.token, say=terminal_say,
                         staffed=desk is not None)
    terminal_say("\n")
    for outcome in outcomes:
        print(outcome.line())
    unmet = [o for o in outcomes if not o.met]
    if unmet:
        print(f"cityhub: {len(unmet)} of {len(outcomes)} expectations unmet", file=sys.stderr)
    return 1 if unmet else 0


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
