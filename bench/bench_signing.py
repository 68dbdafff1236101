"""What signed events cost per event: canonicalization (RFC 8785), Ed25519 signing, and the hub's check.

Run ``python -m bench.bench_signing [--events N]``; prints one JSON object (µs of CPU per event, one
thread). The events are the simulators' own (every adapter), so their size is the city's mix.
Figures go to docs/SECURITY.md. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.registry import ADAPTERS
from hub.events import Message
from hub.pipeline.decode import Limits, decode
from hub.trust.keys import KeyRing, KeyTable
from hub.trust.signing import canonical, signed
from hub.trust.verify import Verifier
from simulators.registry import SIMULATORS


def city_events(count: int) -> list[dict[str, Any]]:
    """`count` events from every adapter's simulator in turn, timed now."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    streams = [(a, SIMULATORS[a.simulator].messages(random.Random(7), datetime.now(UTC), 50.0))
               for a in ADAPTERS.values() if a.simulator in SIMULATORS]
    found: list[dict[str, Any]] = []
    while len(found) < count:
        for adapter, stream in streams:
            found += [e | {"time": now} for e in adapter.adapt(next(stream)[1])]
    return found[:count]


def per_event_us(work: Callable[[Any], object], items: list[Any], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            work(item)
        best = min(best, time.process_time() - start)
    return round(best / len(items) * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    events = city_events(args.events)
    keys = {name: Ed25519PrivateKey.generate() for name in ADAPTERS}
    with tempfile.TemporaryDirectory() as tmp:
        table = KeyTable(f"sqlite:///{Path(tmp) / 'keys.sqlite'}")
        for name, key in keys.items():
            table.add(name, key.public_key())
        verify = Verifier(KeyRing(table, refresh_s=3600), required=True)
        by_source = {a.topic.split("/", 1)[1]: a.name for a in ADAPTERS.values()}

        def adapter(event: dict[str, Any]) -> str:
            return by_source["/".join(event["source"].split("/")[2:4])]

        signed_events = [signed(e, keys[adapter(e)], adapter(e)) for e in events]
        plain = [Message(orjson.dumps(e), "city.events", "kafka") for e in events]
        signed_messages = [Message(orjson.dumps(e), "city.events", "kafka") for e in signed_events]
        limits = Limits()
        one = Ed25519PrivateKey.generate()
        public, message = one.public_key(), canonical(events[0])
        mark = one.sign(message)
        verify(signed_events[0])  # the ring's first read
        figures = {
            "events": len(events),
            "mean_event_bytes": round(sum(len(m.payload) for m in plain) / len(plain)),
            "mean_signed_event_bytes": round(sum(len(m.payload) for m in signed_messages) / len(plain)),
            "canonicalize_us": per_event_us(canonical, events),
            "sign_us": per_event_us(lambda e: signed(e, keys[adapter(e)], adapter(e)), events),
            "verify_us": per_event_us(verify, signed_events),
            "ed25519_verify_only_us": per_event_us(lambda _: public.verify(mark, message), events),
            "decode_unsigned_us": per_event_us(lambda m: decode(m, limits), plain),
            "decode_signed_verified_us": per_event_us(lambda m: decode(m, limits, verify), signed_messages),
            "python": platform.python_version(),
            "machine": platform.machine(),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
