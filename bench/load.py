"""The benchmark's load: every simulator through its adapter, pre-generated before the clock starts.

A share of events is rewritten to carry only address text (the geocoder must place them) and a
share to carry no location at all (the device registry must place them). Every rewritten event
is checked against its type's schema; one that would not pass keeps its original location.
Simulated time runs fast (the whole load spans ten minutes), so ids a source derives from its
reporting interval can repeat; a repeat gets a suffix, so every published event is a new one.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS
from hub import schemas
from simulators.registry import SIMULATORS
from simulators.runner import merged


@dataclass(slots=True)
class Load:
    """Pre-serialized events: (topic, Kafka key, payload) in publish order, and what they hold."""

    items: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (source, id) of each item
    kinds: Counter[str] = field(default_factory=Counter)  # event type → count
    placement: Counter[str] = field(default_factory=Counter)  # coordinates | address | device | none

    def __len__(self) -> int:
        return len(self.items)

    @property
    def mean_bytes(self) -> float:
        return sum(len(p) for _, _, p in self.items) / max(1, len(self.items))

    def summary(self) -> dict[str, Any]:
        return {"events": len(self), "types": len(self.kinds), "mean_bytes": round(self.mean_bytes),
                "placement": dict(self.placement)}


def standard_addresses(limit: int = 2000) -> list[str]:
    """Address texts from the standard address library, where the library is loaded."""
    from hub.geo import load_city

    geo = load_city()
    lister = getattr(geo, "addresses", None)
    if lister is None or not hasattr(geo, "geocode"):
        return []
    try:
        rows = lister(limit=limit)
    except Exception:  # the library is not built on this machine
        return []
    return [str(r.get("text") or r.get("standard_address") or "") for r in rows if isinstance(r, dict)]


def registered_devices() -> set[str]:
    from hub.registry import load_registry

    return set(load_registry().devices)


def messy(text: str, rng: random.Random) -> str:
    """Address text as people type it: without the city, with full-width digits, sometimes both."""
    if rng.random() < 0.5:
        text = text.replace("广东省", "").replace("江门市", "")
    if rng.random() < 0.3:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text


def build_load(count: int, *, seed: int = 2021, address_share: float = 0.1, device_share: float = 0.1,
               run_tag: str = "", sources: list[str] | None = None, distinct: int = 50_000) -> Load:
    """`count` canonical events from every simulator, times spread over the last ten minutes.

    At most `distinct` events come from the simulators; a larger load repeats them with new ids
    (`.r<n>` appended), which costs a byte replace instead of a simulator step and an adapter call.
    """
    base = _simulated(min(count, distinct), seed, address_share, device_share, run_tag, sources)
    load = Load(list(base.items), list(base.keys), Counter(base.kinds), Counter(base.placement))
    size, repeat = len(base), 1
    while size and len(load) < count:
        for (topic, key, payload), (source, event_id) in zip(base.items, base.keys, strict=True):
            if len(load) >= count:
                break
            new_id = f"{event_id}.r{repeat}"
            payload = payload.replace(b'"id":' + orjson.dumps(event_id), b'"id":' + orjson.dumps(new_id), 1)
            load.items.append((topic, key, payload))
            load.keys.append((source, new_id))
        repeat += 1
    load.kinds = Counter({k: v * len(load) // max(size, 1) for k, v in base.kinds.items()})
    load.placement = Counter({k: v * len(load) // max(size, 1) for k, v in base.placement.items()})
    return load


def _simulated(count: int, seed: int, address_share: float, device_share: float, run_tag: str,
               sources: list[str] | None) -> Load:
    sims = [SIMULATORS[n] for n in (sources or sorted(SIMULATORS))]
    rng = random.Random(seed)
    span = 600.0
    start = datetime.now(UTC) - timedelta(seconds=span + 60)
    addresses = standard_addresses() if address_share else []
    devices = registered_devices() if device_share else set()
    validators = schemas.data_validators()
    load = Load()
    repeats: Counter[tuple[str, str]] = Counter()
    for _, name, raw in merged(sims, seed, start, max(count / span, 1.0)):
        adapter = ADAPTERS[SIMULATORS[name].adapter]
        try:
            events = adapter.adapt(raw)
        except NativeRejected:
            continue
        for event in events:
            how = _reshape(event, rng, addresses, devices, address_share, device_share, validators)
            key = (event["source"], event["id"])
            repeats[key] += 1
            if repeats[key] > 1:  # time runs fast here: a per-interval id (SL 651, detectors) comes again
                event["id"] = f"{event['id']}~{repeats[key]}"
            if run_tag:
                event["id"] = f"{event['id']}.{run_tag}"
            load.items.append((adapter.topic, event["source"].encode(), orjson.dumps(event)))
            load.keys.append((event["source"], event["id"]))
            load.kinds[event["type"]] += 1
            load.placement[how] += 1
            if len(load) >= count:
                return load
    return load


def _reshape(event: dict[str, Any], rng: random.Random, addresses: list[str], devices: set[str],
             address_share: float, device_share: float, validators: dict[str, Any]) -> str:
    data = event["data"]
    location = data.get("location") or {}
    roll = rng.random()
    device = event["source"].rsplit("/", 1)[-1]
    change: dict[str, Any] | None = None
    if roll < address_share and addresses:
        change = {"address": messy(rng.choice(addresses), rng)}
    elif roll < address_share + device_share and device in devices:
        change = {}
    if change is not None:
        trial = {k: v for k, v in data.items() if k != "location"} | ({"location": change} if change else {})
        try:
            validators[event["type"]](orjson.loads(orjson.dumps(trial)))
        except Exception:
            change = None
        else:
            event["data"] = trial
            return "address" if change else "device"
    if "lon" in location:
        return "coordinates"
    if "address" in location:
        return "address"
    return "device" if device in devices else "none"
