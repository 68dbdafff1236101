"""The sender: a thread that delivers due notices from the outbox, apart from ingest and the API.

Each round it leases a batch (`Outbox.claim`), sends each notice on its channel and records the result.
A failed attempt is retried after an exponential backoff (first_retry_s · 2^attempt, at most max_retry_s)
until max_attempts, then the notice stays `failed` with its last error. A channel that fails
`alarm_after` times in a row raises one alarm (`on_alarm`) until it delivers again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hub.notify.channels import Channel, ChannelError
from hub.notify.outbox import Notice, Outbox

log = logging.getLogger(__name__)
OnAlarm = Callable[[str, int, str], None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_retry_s: float = 10
    max_retry_s: float = 3600
    max_attempts: int = 10
    alarm_after: int = 5
    lease_s: float = 120  # longer than any channel's timeout: a live sender keeps its notices

    def retry_at(self, attempts_made: int, now: float) -> float | None:
        if attempts_made >= self.max_attempts:
            return None
        return now + min(self.max_retry_s, self.first_retry_s * 2 ** (attempts_made - 1))


class Sender:
    def __init__(self, outbox: Outbox, channels: Mapping[str, Channel], policy: RetryPolicy | None = None,
                 on_alarm: OnAlarm | None = None, clock: Callable[[], float] = time.time,
                 name: str | None = None) -> None:
        self.outbox, self.channels = outbox, dict(channels)
        self.policy = policy or RetryPolicy()
        self.on_alarm, self.clock = on_alarm, clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Deliver what is due now; how many notices were delivered."""
        delivered = 0
        now = self.clock()
        for notice in self.outbox.claim(self.name, now, self.policy.lease_s):
            delivered += self._deliver(notice)
        return delivered

    def _deliver(self, notice: Notice) -> int:
        channel = self.channels.get(notice.channel)
        try:
            if channel is None:
                raise ChannelError(f"channel {notice.channel} is not configured")
            channel.send(notice)
        except Exception as err:  # one bad notice or channel never stops the others
            error = str(err) if isinstance(err, ChannelError) else f"{type(err).__name__}: {err}"
            now = self.clock()
            permanent = isinstance(err, ChannelError) and err.permanent
            retry_at = None if permanent else self.policy.retry_at(notice.attempts + 1, now)
            self.outbox.failed(notice, self.name, now, error, retry_at)
            if permanent:  # the message, not the channel, is at fault
                return 0
            failures = self.outbox.channel_result(notice.channel, False, now, error)
            log.warning("notice %s on %s failed (attempt %d): %s", notice.key, notice.channel,
                        notice.attempts + 1, error)
            if failures >= self.policy.alarm_after and self.outbox.take_alarm(notice.channel) and self.on_alarm:
                self.on_alarm(notice.channel, failures, error)
            return 0
        now = self.clock()
        if not self.outbox.sent(notice, self.name, now):
            log.warning("notice %s was sent after its lease ran out", notice.key)
        self.outbox.channel_result(notice.channel, True, now)
        return 1

    # ── running ──
    def start(self, every_s: float = 1.0) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="notify-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for due notices now rather than at the next round."""
        self._wake.set()

    def idle(self, every_s: float) -> None:
        """Wait for the next round: `every_s`, or less when woken."""
        self._wake.wait(every_s)
        self._wake.clear()

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            try:
                while self.run_once() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("notice sender round failed; trying again in %s s", every_s)
            self.idle(every_s)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None
