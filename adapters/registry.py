"""Every adapter the hub knows, by name, discovered: each module of `adapters` that declares an
`ADAPTER` (adapters.base.Adapter) is one source system. Adding one is its module and nothing here;
tests/sources/test_declarations.py checks every declaration."""

from __future__ import annotations

import importlib
import pkgutil

import adapters
from adapters.base import Adapter


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
