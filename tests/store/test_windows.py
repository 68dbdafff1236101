"""Pure pieces the stores share: time windows cut at whole hours, grid-code ranges, bucket labels, counters."""

from __future__ import annotations

import random

import pytest

from hub.events import DeadLetter
from hub.store.analysis import tally_rows
from hub.store.base import Window, bucket_of, bucket_start, day_label, day_of_hour, grid_range, hour_label

H = 3600


def test_whole_hours_need_no_rows() -> None:
    assert Window.of(10 * H, 20 * H) == Window((10, 20), ())
    assert Window.of(None, None) == Window((None, None), ())
    assert Window.of(10 * H, None) == Window((10, None), ())


def test_ragged_ends_are_counted_from_rows() -> None:
    assert Window.of(10 * H + 5, 20 * H + 7) == Window((11, 20), ((10 * H + 5, 11 * H), (20 * H, 20 * H + 7)))
    assert Window.of(None, 20 * H + 7) == Window((None, 20), ((20 * H, 20 * H + 7),))


def test_short_or_empty_windows() -> None:
    assert Window.of(10 * H + 5, 10 * H + 50) == Window(None, ((10 * H + 5, 10 * H + 50),))
    assert Window.of(10 * H + 5, 11 * H + 50) == Window(None, ((10 * H + 5, 11 * H + 50),))
    assert Window.of(5.0, 5.0) == Window(None, ())
    assert Window.of(6.0, 5.0) == Window(None, ())


def test_window_pieces_cover_exactly_the_window() -> None:
    rng = random.Random(3)
    for _ in range(500):
        since = rng.uniform(0, 100 * H)
        until = since + rng.choice([rng.uniform(0, 3 * H), rng.uniform(0, 50 * H)])
        window = Window.of(since, until)
        whole = [(window.hours[0] * H, window.hours[1] * H)] if window.hours else []
        pieces = whole + list(window.edges)
        for start, end in pieces:
            assert since <= start < end <= until
        assert sum(end - start for start, end in pieces) == pytest.approx(until - since, abs=1e-6)


def test_grid_range_covers_the_prefix_and_nothing_else() -> None:
    low, high = grid_range("440703001")
    assert (low, high) == ("440703001", "440703002")
    assert low <= "440703001999999" < high and not low <= "440703002000000" < high
    assert grid_range("44070") == ("44070", "44071")
    assert grid_range("4407039") == ("4407039", "440703:")


def test_labels_and_buckets_in_local_time() -> None:
    moment = 1_795_000_000.0  # 2026-11-18T11:06:40Z = 19:06:40 in Jiangmen
    hour = bucket_of(moment, "hour")
    assert hour_label(hour) == "2026-11-18T11:00:00Z"
    assert bucket_start(hour, "hour") == "2026-11-18T19:00:00+08:00"
    day = bucket_of(moment, "day")
    assert day == day_of_hour(hour) and day_label(day) == "2026-11-18"
    assert bucket_start(day, "day") == "2026-11-18T00:00:00+08:00"
    late = moment + 8 * H  # 03:06 local the next day, still the 18th in UTC
    assert day_label(bucket_of(late, "day")) == "2026-11-19"


def test_counter_increments_are_grouped_and_ordered() -> None:
    row = ("uid", "/jiangmen/water/g/1", "1", "city.water.level", "water", 10 * H + 5, 0.0, 113.0, 22.6,
           "440703001001001", "440703001", "440703", 1, "江门市水利局", b"{}", b"{}")
    other = (*row[:5], 11 * H, *row[6:11], None, 1, None, b"{}", b"{}")
    dead = DeadLetter(b"x", "bad", "kafka", "city.events", 0, 1, 10 * H)
    rows = tally_rows([row, row, other], [dead])
    assert rows == sorted(rows)
    found = {(dim, hour, key): n for dim, hour, _, key, n in rows}
    assert found[("district", 10, "440703")] == 2 and found[("district", 11, "")] == 1
    assert found[("severity", 10, "1")] == 2 and found[("department", 11, "")] == 1
    assert found[("deadletter", 10, "kafka")] == 1
    assert sum(n for dim, *_, n in rows if dim == "type") == 3
