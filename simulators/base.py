"""What every simulator is: a name, the adapter that reads it, and a stream of timed native messages."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

# (seconds after the start, native message bytes), in time order, forever
NativeStream = Iterator[tuple[float, bytes]]


@dataclass(frozen=True, slots=True)
class Simulator:
    name: str
    adapter: str
    messages: Callable[[random.Random, datetime, float], NativeStream]  # (rng, start, events per second)
    summary: str = ""
