"""How far the hub workers are behind on `city.events`, as a map/API instance sees it from the broker.

A map/API instance (`CITYHUB_LIVE_FROM_KAFKA`) shows what the workers republish on
`city.events.normalized` after they have stored it. When the workers fall behind (a surge past their
capacity), every record there is as old as their backlog is long. The instance cannot see their
inboxes, but the broker knows the backlog: the sum over the topic's partitions of the end offset
minus the workers' group's committed offset (a worker commits a partition's offset only once every
record before it is stored, so this counts what is published and not yet stored). The instance's
fresh view (hub.transports.fresh_view) opens on it as a worker's does on its inbox.

Reads only: an admin client's ListOffsets and OffsetFetch, no consumer in the group. (tansu, the
Kafka-protocol broker of the tests and the benchmark, answers ListOffsets with one past the first
record of a partition's last batch, not its last record: there the lag reads low by up to a batch
per partition, which a backlog worth showing is far beyond.)
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec

log = logging.getLogger(__name__)
REFRESH_S = 0.5  # the broker is asked at most this often; the view looks ten times a second
PARTITIONS_EVERY = 120  # looks between two listings of the topic's partitions (a minute at REFRESH_S)


class WorkersLag:
    """Callable: records of `topic` published and not yet committed by `group` (0 while it cannot tell)."""

    def __init__(self, client_options: dict[str, Any], topic: str, group: str, *,
                 refresh_s: float = REFRESH_S) -> None:
        self.client_options, self.topic, self.group, self.refresh_s = client_options, topic, group, refresh_s
        self.last = 0
        self.error: str | None = None  # why the last look failed, if it did
        self._admin: KafkaAdminClient | None = None
        self._partitions: list[TopicPartition] = []  # the topic's, asked again every PARTITIONS_EVERY looks
        self._looks = 0
        self._asked_at = -float("inf")

    def __call__(self) -> int:
        now = time.monotonic()
        if now - self._asked_at < self.refresh_s:
            return self.last
        self._asked_at = now
        try:
            self.last = self._ask()
            self.error = None
        except Exception as err:  # broker away, topic or group not there yet: no backlog known
            if self.error is None:
                log.warning("the workers' lag on %s is unknown (%s: %s)", self.topic, type(err).__name__, err)
            self.error = f"{type(err).__name__}: {err}"
            self.last = 0
            if not isinstance(err, LookupError):  # the client may be what failed: a new one next time
                self.close()
        return self.last

    def _ask(self) -> int:
        if self._admin is None:
            self._admin = KafkaAdminClient(**self.client_options)
        admin = self._admin
        if not self._partitions or self._looks % PARTITIONS_EVERY == 0:  # partitions may be added, rarely
            self._partitions = [TopicPartition(self.topic, p["partition_index"])
                                for t in admin.describe_topics([self.topic])
                                if t["name"] == self.topic and not t["error_code"] for p in t["partitions"]]
        self._looks += 1
        partitions = self._partitions
        if not partitions:
            return 0
        ends = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
        found = admin.list_group_offsets({self.group: partitions}).get(self.group, {})
        committed = {tp: o.offset for tp, o in found.items() if o is not None and o.offset >= 0}
        if not committed:  # no worker of this group has stored anything yet, or the group is misnamed
            raise LookupError(f"group {self.group!r} has committed no offsets on {self.topic}")
        # a partition no worker has committed on yet is read from its beginning
        return sum(max(0, ends[tp].offset - committed.get(tp, 0)) for tp in partitions)

    def close(self) -> None:
        admin, self._admin = self._admin, None
        self._partitions = []
        if admin is not None:
            with contextlib.suppress(Exception):  # closing a client of a broker that went away
                admin.close()
