"""Every simulator, by name (the name of the adapter that reads it), discovered: every `Simulator`
declared at the top level of a module of `simulators`. Adding one is its declaration and nothing here.

Discovery runs on first use, not at import: the runner, replay and scenario modules import this
registry and are themselves among the modules discovery imports."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from functools import cache

import simulators
from simulators.base import Simulator


@cache
def discover() -> dict[str, Simulator]:
    """The simulators of the package's modules, in the order of their module names, then of declaration."""
    found: dict[str, Simulator] = {}
    for module in sorted(pkgutil.iter_modules(simulators.__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"simulators.{module.name}")
        for declared in vars(loaded).values():
            if isinstance(declared, Simulator) and found.setdefault(declared.name, declared) is not declared:
                raise ValueError(f"simulators.{module.name}: a second simulator named {declared.name!r}")
    return found


class _Simulators(Mapping[str, Simulator]):
    def __getitem__(self, name: str) -> Simulator:
        return discover()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(discover())

    def __len__(self) -> int:
        return len(discover())


SIMULATORS: Mapping[str, Simulator] = _Simulators()
