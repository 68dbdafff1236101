"""The JSON Schemas in `schemas/`: the envelope and every canonical event type, compiled once."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import fastjsonschema

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
ENVELOPE = "cloudevent"
SHARED = {"cloudevent", "location"}

Validator = Callable[[Any], Any]


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _local(uri: str) -> dict[str, Any]:
    """Resolve a `$ref` to one of our own schema ids from the folder, never the network."""
    return _load(Path(urlparse(uri).path).stem)


def event_types() -> list[str]:
    return sorted(p.stem for p in SCHEMA_DIR.glob("city.*.json"))


@cache
def validator(name: str) -> Validator:
    return fastjsonschema.compile(_load(name), handlers={"https": _local, "http": _local})


@cache
def data_validators() -> dict[str, Validator]:
    return {t: validator(t) for t in event_types()}


def schema(name: str) -> dict[str, Any]:
    return _load(name)
