"""The simulated devices of a source system, read from the device registry (maps/data/device_registry.csv)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hub.registry import REGISTRY_FILE


@dataclass(frozen=True)
class Device:
    device_id: str
    kind: str
    name: str
    adapter: str
    lon: float  # WGS84
    lat: float
    district_code: str
    address: str = ""
    grid_code: str = ""
    reports: str = "none"
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@cache
def all_devices(path: Path = REGISTRY_FILE) -> tuple[Device, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Device(row["device_id"], row["kind"], row["name"], row["adapter"], float(row["lon"]), float(row["lat"]),
                   row["district_code"], row.get("address", ""), row.get("grid_code", ""), row.get("reports", "none"),
                   json.loads(row.get("meta") or "{}"))
            for row in csv.DictReader(handle)
        )


def devices_of(adapter: str) -> list[Device]:
    found = [d for d in all_devices() if d.adapter == adapter]
    if not found:
        raise LookupError(f"the device registry has no devices for {adapter}; run python -m maps.build_device_registry")
    return found
