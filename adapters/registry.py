"""Every adapter the hub knows, by name, discovered: each module of `adapters` that declares an
`ADAPTER` (adapters.base.Adapter) is one source system. Adding one is its module and nothing here;
tests/sources/test_declarations.py checks every declaration. What the declarations name per source —
the case class of each event type, the device fleets — is read here, not listed again elsewhere."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from typing import Any

import adapters
from adapters.base import Adapter
from adapters.declaration import Fleet


def discover() -> dict[str, Adapter]:
    """The adapters of the package's modules, in the order of their module names."""
    found: dict[str, Adapter] = {}
    for module in sorted(pkgutil.iter_modules(adapters.__path__), key=lambda m: m.name):
        declared = getattr(importlib.import_module(f"adapters.{module.name}"), "ADAPTER", None)
        if isinstance(declared, Adapter):
            if declared.name in found:
                raise ValueError(f"adapters.{module.name}: a second adapter named {declared.name!r}")
            found[declared.name] = declared
    return found


ADAPTERS: dict[str, Adapter] = discover()


def get(name: str) -> Adapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise KeyError(f"no adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None


def case_types() -> dict[str, dict[str, Any]]:
    """Each declared event type's case: its class code, default severity and plan items (a fresh copy), the
    `types` of the class table (hub.supervision.classes)."""
    return {event_type: {"category": raised.category, "severity": raised.severity,
                         "plan_items": list(raised.plan_items)}
            for adapter in ADAPTERS.values() for event_type, raised in adapter.raises.items()}


def fleets() -> list[Fleet]:
    """Every declared device fleet with its adapter's name, adapters in name order, each one's in its order."""
    return [replace(fleet, adapter=adapter.name) for adapter in ADAPTERS.values() for fleet in adapter.fleets]
