"""One way to open the hub's SQLite file, and a thread that copies its write-ahead log back into it.

The events store, the incident tables and the tables beside them share `hub.sqlite` (through
hub.store.database), so they must agree on how its WAL is kept: a checkpoint (copying committed pages
from the WAL into the database file) is per file, and it is run by whichever connection commits past
its own `wal_autocheckpoint`. With SQLite's defaults the incident engine's connection would run one
every 1,000 pages, inside its COMMIT, with two fsyncs, on the worker's thread (docs/MEASUREMENTS.md: what
that cost per event).

Here every connection to the file gets the same settings, and a `Checkpointer` thread per file and
process runs a PASSIVE checkpoint every `CHECKPOINT_EVERY_S`: it never blocks a writer or a reader,
and SQLite gives up the interpreter lock while it copies and syncs, so the workers' batches do
not wait for it. The writers' own automatic checkpoint stays as a safety net, at a size the
thread keeps the WAL well under.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import ClassVar

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_S = 0.2
CACHE_MIB = 64  # each connection's page cache on the hub's file
MMAP_MIB = 256  # and how much of the file it maps (mapped pages count in the RSS)
SAFETY_CHECKPOINT_PAGES = 10_000  # ≈ 40 MiB: a writer checkpoints itself only if the thread falls behind


def connect(path: str, *, cache_mib: int = 0, mmap_mib: int = 0) -> sqlite3.Connection:
    """A connection to the hub's SQLite file in WAL mode, with the settings every connection to it shares.

    Commits survive a crash of the process, not a power cut (synchronous=NORMAL: the WAL is synced at
    each checkpoint). `cache_mib` and `mmap_mib` size this connection's page cache and file map (mapped
    pages count in the process's RSS); 0 keeps SQLite's defaults (2 MiB cache, no map)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA wal_autocheckpoint={SAFETY_CHECKPOINT_PAGES}")
    if cache_mib:
        conn.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    if mmap_mib:
        conn.execute(f"PRAGMA mmap_size={mmap_mib * 1024 * 1024}")
    return conn


class Checkpointer:
    """A daemon thread that runs `PRAGMA wal_checkpoint(PASSIVE)` on one file every `every_s` seconds.

    Held by the users of the file in this process (`hold` / `release`); the thread ends with the last.
    Several processes may each run one: a checkpoint that finds another running skips its turn."""

    _running: ClassVar[dict[str, Checkpointer]] = {}
    _lock = threading.Lock()

    def __init__(self, path: str, every_s: float) -> None:
        self.path, self.every_s = path, every_s
        self.holders = 0
        self.runs = 0  # checkpoints that found frames in the WAL and were not blocked (for tests)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {os.path.basename(path)}",
                                        daemon=True)

    @classmethod
    def hold(cls, path: str, every_s: float = CHECKPOINT_EVERY_S) -> Checkpointer:
        key = os.path.realpath(path)
        with cls._lock:
            running = cls._running.get(key)
            if running is None:
                running = cls._running[key] = cls(path, every_s)
                running._thread.start()
            running.holders += 1
            return running

    def release(self) -> None:
        key = os.path.realpath(self.path)
        with self._lock:
            self.holders -= 1
            if self.holders > 0:
                return
            if self._running.get(key) is self:
                del self._running[key]
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.every_s):
                try:
                    busy, _logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # the file went away, or is being rebuilt: try again next turn
                    log.debug("WAL checkpoint of %s skipped: %s", self.path, exc)
                    continue
                if not busy and copied > 0:
                    self.runs += 1
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


class Connections:
    """One connection per thread to the hub's SQLite file, each with `connect`'s settings, and the file's
    `Checkpointer` held while any is open. `close` closes them all; the next `get` opens anew.

    Every user of the file in a process shares one (`shared`): a connection drops its whole page
    cache whenever another connection has written to the file, so with one each, every batch (the store's
    transaction, then the incident engine's) emptied the other's cache, and it read its pages back (at
    batches of 80 events, a tenth of the pipeline's CPU went to `pread`). One connection per thread keeps
    what the ingest thread wrote in its own cache."""

    _shared: ClassVar[dict[str, Connections]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []
        self._checkpointer: Checkpointer | None = None
        self._holders = 0  # of a shared one: the users that have not closed it yet
        self._last: list[Callable[[sqlite3.Connection], object]] = []  # the `last` hooks of users closed before

    @classmethod
    def shared(cls, path: str) -> Connections:
        """The connections to the hub's file at `path` that every user of it in this process shares, with
        `CACHE_MIB` of page cache and `MMAP_MIB` mapped; each user `close`s once, the last close closes them."""
        key = os.path.realpath(path)
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None:
                found = cls._shared[key] = cls(path)
            found._holders += 1
            return found

    @property
    def checkpointer(self) -> Checkpointer | None:
        """The file's checkpoint thread, held while a connection is open."""
        return self._checkpointer

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, cache_mib=CACHE_MIB, mmap_mib=MMAP_MIB)
            self._local.conn = conn
            with self._lock:
                self._opened.append(conn)
                if self._checkpointer is None:
                    self._checkpointer = Checkpointer.hold(self.path)
        return conn

    def close(self, last: Callable[[sqlite3.Connection], object] | None = None) -> None:
        """Close every thread's connection, after `last(conn)` on each (its errors ignored). A shared one only
        when its last user closes it, and then after the `last` of every user that closed it before."""
        with self._shared_lock:
            if last is not None:
                self._last.append(last)
            if self._holders > 1:
                self._holders -= 1
                return
            if self._holders == 1:
                self._holders = 0
                key = os.path.realpath(self.path)
                if self._shared.get(key) is self:
                    del self._shared[key]
            hooks, self._last = self._last, []
        with self._lock:
            opened, self._opened = self._opened, []
            checkpointer, self._checkpointer = self._checkpointer, None
            self._local = threading.local()
        if checkpointer is not None:
            checkpointer.release()
        for conn in opened:
            for hook in hooks:
                with contextlib.suppress(sqlite3.Error):
                    hook(conn)
            with contextlib.suppress(sqlite3.Error):
                conn.close()
