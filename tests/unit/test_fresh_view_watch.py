"""The fresh view's watcher (hub/transports/fresh_view.py) on its own: when it opens and closes, what it counts,
and that a failing glance neither takes the hub down nor is reopened at once. The glance here is a list of
messages; the transports' glances meet real brokers in tests/transport/test_fresh_view.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from hub.events import Message
from hub.live import LiveStream
from hub.pipeline.process import Normalized
from hub.transports import fresh_view
from tests.support import wait_for


class Glance:
    def __init__(self, log: list[str], fail: bool = False) -> None:
        self.log, self.fail = log, fail
        log.append("open")

    def take(self, most: int) -> tuple[list[Message], int]:
        if self.fail:
            raise OSError("the broker went away")
        return [Message(b"{}", "city/x/y", "mqtt")] * (most + 3), 7  # more than asked: the view keeps `most`

    def close(self) -> None:
        self.log.append("close")


class Prepared:
    """Pipeline.prepare's shape: every message normalizes to no event (the live stream needs none here)."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def prepare(self, batch: list[Message]) -> Normalized:
        self.batches.append(len(batch))
        return Normalized([], [])


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fresh_view, "OFF_AFTER_S", 0.3)
    monkeypatch.setattr(fresh_view, "RETRY_AFTER_S", 1.0)


@pytest.fixture
def backlog() -> list[int]:
    return [0]


@pytest.fixture
def view(quick: None, backlog: list[int]) -> Iterator[tuple[fresh_view.FreshView, list[str], Prepared, list[bool]]]:
    log: list[str] = []
    fail = [False]
    prepared = Prepared()
    live = LiveStream()
    made = fresh_view.FreshView(prepared, live, lambda: Glance(log, fail[0]), lambda: backlog[0],  # type: ignore[arg-type]
                                name="T")
    made.start()
    yield made, log, prepared, fail
    made.stop()


def test_opens_behind_a_backlog_holds_back_the_store_lane_and_closes_once_caught_up(
        view: tuple[fresh_view.FreshView, list[str], Prepared, list[bool]], backlog: list[int]) -> None:
    made, log, prepared, _ = view
    backlog[0] = fresh_view.ON_BACKLOG - 1
    threading.Event().wait(0.3)
    assert log == [] and not made.open
    backlog[0] = fresh_view.ON_BACKLOG
    wait_for(lambda: made.open, timeout=2, every=0.02, what="the view to open")
    assert made.live.holding == {"T"}
    wait_for(lambda: len(prepared.batches) >= 2, timeout=2, every=0.02, what="two ticks")
    per_tick = fresh_view.SHOW_PER_S // fresh_view.TICKS_PER_S
    assert set(prepared.batches) == {per_tick}  # the newest `per_tick` of each take
    assert made.skipped >= 2 * (7 + 3)  # what the glance passed over, and what the view did not keep
    backlog[0] = fresh_view.OFF_BACKLOG  # not yet caught up: stays open
    threading.Event().wait(0.6)
    assert made.open
    backlog[0] = fresh_view.OFF_BACKLOG - 1
    wait_for(lambda: not made.open, timeout=2, every=0.02, what="the view to close")
    assert log == ["open", "close"] and made.live.holding == set() and made.opened == 1


def test_a_failing_glance_is_closed_and_not_opened_again_at_once(
        view: tuple[fresh_view.FreshView, list[str], Prepared, list[bool]], backlog: list[int]) -> None:
    made, log, _, fail = view
    fail[0] = True
    backlog[0] = fresh_view.ON_BACKLOG
    wait_for(lambda: log == ["open", "close"], timeout=2, every=0.02, what="the failing view closed")
    assert made.live.holding == set()  # the map follows the store lane meanwhile
    threading.Event().wait(0.5)
    assert log == ["open", "close"]  # not reopened within RETRY_AFTER_S
    fail[0] = False
    wait_for(lambda: made.open, timeout=3, every=0.02, what="the view reopened after the pause")
    assert log[:3] == ["open", "close", "open"]
