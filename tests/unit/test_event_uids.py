"""A batch's uids, laid out and written as arrays, are each event's `event_uid`."""

from __future__ import annotations

import math
import random

import pytest

from hub.events import event_uid, event_uids


def test_a_batch_of_uids_is_each_events_uid() -> None:
    rng = random.Random(30)
    times = [0.0, 0.0004, -5.5, 1.8e9 + 0.9995, 2**48 / 1000 + 10, 9e12]  # edges: before 1970, past 48 bits
    keys = [(f"/jiangmen/{rng.choice(['water', 'fire', '水务', 'a#'])}/{rng.randrange(10**12)}",
             f"{rng.choice(['', '#b', 'id/é'])}{rng.random()}",
             rng.choice([*times, rng.uniform(-10, 2e9), 1.8e9 + rng.random()])) for _ in range(5000)]
    assert event_uids(keys) == [event_uid(*key) for key in keys]
    assert event_uids([]) == []


def test_a_time_no_uid_has_fails_as_it_does_alone() -> None:
    with pytest.raises(ValueError):
        event_uid("/a", "1", math.nan)
    with pytest.raises(ValueError):
        event_uids([("/a", "0", 1.8e9), ("/a", "1", math.nan)])
