"""What /healthz says about the store, without ever waiting on it for long.

A database behind a cut network link does not refuse a query: the query waits, for as long as TCP
retransmits (many minutes). /healthz must answer all the same and say that the store does not: the
counts are asked in a thread of their own with a deadline; while a question is still unanswered no
second one is asked, and the last counts known are shown with `store_answering: false`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswer

log = logging.getLogger(__name__)
STORE_DEADLINE_S = 2.0


class StoreProbe:
    def __init__(self, counts: Callable[[], dict[str, int]], deadline_s: float = STORE_DEADLINE_S) -> None:
        self.counts, self.deadline_s = counts, deadline_s
        self.last: dict[str, int] = {}
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="store-probe")
        self._asked: Future[dict[str, int]] | None = None

    def read(self) -> tuple[dict[str, int], bool]:
        """(the counts, or the last known while the store does not answer; whether it answered)."""
        if self._asked is None:
            self._asked = self._pool.submit(self.counts)
        try:
            self.last = self._asked.result(timeout=self.deadline_s)
        except NoAnswer:
            return self.last, False  # still asked: the answer, when it comes, is taken next time
        except Exception as err:
            self._asked = None
            log.warning("the store did not answer /healthz: %s", err)
            return self.last, False
        self._asked = None
        return self.last, True

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
