"""The reporting cadences of device classes and the device-health knobs, from hub/data/device_cadences.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.pipeline.routing import DATA

CADENCES_FILE = DATA / "device_cadences.yaml"


class CadenceError(ValueError):
    """The cadences file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Cadences:
    classes: dict[str, float | None]
    default: float | None = 3600.0
    late_after: float = 1.5
    offline_after: float = 3.0
    flap_changes: int = 2
    flap_window_s: float = 3600.0
    record_fields: tuple[str, ...] = ("device_id", "kind", "name", "lon", "lat", "department")
    record_target: float = 0.8

    def of(self, kind: str) -> float | None:
        """The class's cadence in seconds; None: event-driven, silence is not a fault."""
        return self.classes.get(kind, self.default)


def _seconds(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise CadenceError(f"{where}: cadence_s must be a positive number of seconds or null, not {value!r}")
    return float(value)


def load_cadences(path: Path | None = None) -> Cadences:
    path = path or CADENCES_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise CadenceError(f"{path}: cannot read: {err}") from None
    classes = {kind: _seconds((spec or {}).get("cadence_s"), f"{path}: classes.{kind}")
               for kind, spec in (doc.get("classes") or {}).items()}
    flap = doc.get("flap") or {}
    late, offline = float(doc.get("late_after", 1.5)), float(doc.get("offline_after", 3))
    if not 1 <= late < offline:
        raise CadenceError(f"{path}: need 1 <= late_after < offline_after, got {late} and {offline}")
    return Cadences(classes, _seconds((doc.get("default") or {}).get("cadence_s", 3600), f"{path}: default"),
                    late, offline, int(flap.get("changes", 2)), float(flap.get("window_s", 3600)),
                    tuple(doc.get("record_fields") or Cadences.record_fields), float(doc.get("record_target", 0.8)))
