"""Offsets a Kafka fetch jumped over: read once more from the first one missing, then accept what stays missing.

A partition of `city.events` is written by producers without transactions and never compacted, so its
offsets run without gaps, and a fetch that jumps past some (asked for 100, got a batch starting at 136)
hands the consumer records after ones it never saw. Kafka clients take such a jump as normal (compaction
and transaction markers make them), and would move on: the records in between, acknowledged to their
producer, would never be stored.

tansu 0.6 (the bench's and tests' broker) makes such jumps: a produce takes its offsets from the
partition's high watermark before its batch is written, so with two producers writing one partition a
fetch at the tail can find the later batch written and the earlier one not yet, and returns the later
one (tansu-storage/src/dynostore.rs, `produce` and `fetch`). Benchmark runs at twice the sustainable rate
with two producer processes lost one batch that way (41 records in the broker, never read; docs/BENCHMARKS.md).

So the consumer seeks back to the first offset missing, once per gap. If the re-read starts there the
records were only late (recovered); if it jumps the same way again they are not in the partition
(compacted away, a transaction's marker) and are accepted as missing, logged. Until a gap is settled, no
offset past its start is committed: a hub that dies meanwhile replays from there.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)
Partition = tuple[str, int]  # topic, partition
LOG_EVERY_S = 10.0


@dataclass(slots=True)
class Gap:
    start: int  # the first offset not read
    end: int  # the offset the fetch jumped to
    sought: bool = False  # the consumer has been sent back to `start`; the next record settles it


class OffsetGaps:
    """Per partition: the next offset expected and the gap being re-read. Used by the poll thread only."""

    def __init__(self) -> None:
        self.expected: dict[Partition, int] = {}
        self.open: dict[Partition, Gap] = {}
        self.found = 0  # jumps seen and re-read
        self.recovered = 0  # re-reads that found the records
        self.accepted = 0  # re-reads that jumped again: offsets not in the partition
        self._logged = -1e9

    def seen(self, partition: Partition, offset: int) -> bool:
        """Note a record read; True when it jumped past offsets never read (a new gap in `open`: `to_seek` says
        where to read again)."""
        expected = self.expected.get(partition)
        self.expected[partition] = offset + 1
        gap = self.open.get(partition)
        if gap is not None:
            if gap.sought:  # the first record since the seek settles the gap
                del self.open[partition]
                self._settle(partition, gap, offset)
            return False
        if expected is not None and offset > expected:
            self.open[partition] = Gap(expected, offset)
            self.found += 1
            return True
        return False

    def _settle(self, partition: Partition, gap: Gap, offset: int) -> None:
        topic, number = partition
        if offset <= gap.start:
            self.recovered += 1
            self._log(logging.WARNING, "Kafka fetch of %s[%d] had skipped offsets %d–%d; read again, all found",
                      topic, number, gap.start, gap.end - 1)
        else:
            self.accepted += 1
            self._log(logging.WARNING, "offsets %d–%d of %s[%d] are not in the partition (read twice); "
                      "taken as compacted or transaction markers", gap.start, offset - 1, topic, number)

    def _log(self, level: int, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._logged >= LOG_EVERY_S:
            self._logged = now
            log.log(level, message + " (gaps so far: %d found, %d recovered, %d accepted)",
                    *args, self.found, self.recovered, self.accepted)

    def to_seek(self) -> list[tuple[Partition, int]]:
        """The gaps found and not yet sought: (partition, first offset missing); marks them sought."""
        wanted = []
        for partition, gap in self.open.items():
            if not gap.sought:
                gap.sought = True
                wanted.append((partition, gap.start))
        return wanted

    def unsought(self, partition: Partition) -> None:
        """The seek failed: offer the gap again at the next `to_seek`."""
        gap = self.open.get(partition)
        if gap is not None:
            gap.sought = False

    def commit_limit(self, partition: Partition) -> int | None:
        """The highest offset that may be committed while a gap of the partition is unsettled."""
        gap = self.open.get(partition)
        return None if gap is None else gap.start

    def forget(self, partitions: set[Partition]) -> None:
        """The partitions were assigned or revoked: the next record read is where reading starts."""
        for partition in partitions:
            self.expected.pop(partition, None)
            self.open.pop(partition, None)

    def status(self) -> dict[str, int]:
        return {"found": self.found, "recovered": self.recovered, "accepted": self.accepted}
