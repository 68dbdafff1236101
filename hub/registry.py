"""The device registry (一机一档): every device's position, standard address and owner."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import maps

REGISTRY_FILE = Path(maps.__file__).resolve().parent / "data" / "device_registry.csv"


class DeviceRegistry:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.devices = {row["device_id"]: row for row in rows}

    def get(self, device_id: str) -> dict[str, Any] | None:
        return self.devices.get(device_id)

    def meta(self, device_id: str) -> dict[str, Any]:
        """The device's own facts (a gauge's warning level, a lot's capacity …), from the registry's meta column."""
        row = self.devices.get(device_id)
        return row["meta"] if row else {}

    def __len__(self) -> int:
        return len(self.devices)


@cache
def load_registry(path: Path = REGISTRY_FILE) -> DeviceRegistry:
    """The registry file's columns: device_id, kind, lon, lat (WGS84), address_id, address, department …"""
    if not path.exists():
        return DeviceRegistry([])
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row | {"lon": float(row["lon"]), "lat": float(row["lat"]), "meta": json.loads(row.get("meta") or "{}")}
                for row in csv.DictReader(handle)]
    return DeviceRegistry(rows)
