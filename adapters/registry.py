"""Every adapter the hub knows, by name. Adding a source system is one module and one line here."""

from __future__ import annotations

from adapters import parking
from adapters.base import Adapter

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (parking.ADAPTER,)}


def get(name: str) -> Adapter:
    try:
        return ADAPTERS[name]
    except KeyError:
        raise KeyError(f"no adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
