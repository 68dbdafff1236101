"""Every simulator, by name."""

from __future__ import annotations

from simulators import parking
from simulators.base import Simulator

SIMULATORS: dict[str, Simulator] = {s.name: s for s in (parking.SIMULATOR,)}
