"""Offsets a Kafka fetch jumped over (hub/transports/kafka/gaps.py): found, read again, settled."""

from __future__ import annotations

from hub.transports.kafka.gaps import OffsetGaps

P = ("city.events", 3)


def read(gaps: OffsetGaps, *offsets: int) -> list[int]:
    """The offsets at which `seen` said the fetch had jumped."""
    return [o for o in offsets if gaps.seen(P, o)]


def test_offsets_in_order_are_no_gap_and_the_first_read_sets_the_start() -> None:
    gaps = OffsetGaps()
    assert read(gaps, 40, 41, 42) == []
    assert gaps.expected[P] == 43 and gaps.to_seek() == [] and gaps.commit_limit(P) is None


def test_a_jump_is_read_again_from_its_start_and_nothing_past_it_is_committed_until_settled() -> None:
    gaps = OffsetGaps()
    assert read(gaps, 98, 99, 136, 137) == [136]  # 100–135 never came
    assert gaps.commit_limit(P) == 100
    assert gaps.to_seek() == [(P, 100)] and gaps.to_seek() == []  # sought once
    assert read(gaps, 100, 101) == []  # the re-read starts where it was sent: the records were late
    assert gaps.status() == {"found": 1, "recovered": 1, "accepted": 0}
    assert gaps.commit_limit(P) is None and gaps.expected[P] == 102


def test_records_of_the_same_poll_after_the_jump_do_not_settle_it() -> None:
    gaps = OffsetGaps()
    read(gaps, 10, 20, 21, 22)  # one poll: the jump, then what followed it
    assert gaps.commit_limit(P) == 11 and gaps.status()["accepted"] == 0
    gaps.to_seek()
    read(gaps, 20)  # the re-read jumps the same way: 11–19 are not in the partition
    assert gaps.status() == {"found": 1, "recovered": 0, "accepted": 1}
    assert gaps.commit_limit(P) is None
    assert read(gaps, 21, 22, 23) == []  # the same records again after the seek are no new gap


def test_a_partition_assigned_anew_starts_wherever_its_committed_offset_is() -> None:
    gaps = OffsetGaps()
    read(gaps, 5, 6)
    gaps.forget({P})  # revoked, then assigned again after another worker read on
    assert read(gaps, 900) == [] and gaps.status()["found"] == 0
    read(gaps, 905)
    gaps.forget({P})  # an open gap of a revoked partition is its next owner's
    assert gaps.commit_limit(P) is None and gaps.to_seek() == []


def test_a_seek_that_failed_is_offered_again_and_records_meanwhile_do_not_settle_the_gap() -> None:
    gaps = OffsetGaps()
    read(gaps, 1, 5)
    assert gaps.to_seek() == [(P, 2)]
    gaps.unsought(P)  # the consumer refused the seek (the partition between fetch states)
    assert read(gaps, 6, 7) == [] and gaps.status()["accepted"] == 0 and gaps.commit_limit(P) == 2
    assert gaps.to_seek() == [(P, 2)]
    read(gaps, 2)
    assert gaps.status() == {"found": 1, "recovered": 1, "accepted": 0}
