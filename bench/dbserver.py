"""The CPU a PostgreSQL server on this machine spends, for the runs that store in PostgreSQL.

With SQLite the store's work is in the hub's own CPU figure; with PostgreSQL most of it is in the
server's processes (a backend per connection, the WAL writer, the checkpointer, autovacuum). Their
CPU is the postmaster's children's: the live ones' own times plus what the postmaster collected from
those that ended (an autovacuum worker, a closed connection), so a window's difference counts each
process once whether it lived through the window, started in it or ended in it.
"""

from __future__ import annotations

from urllib.parse import urlparse

import psutil
import psycopg

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def postmaster(url: str) -> psutil.Process | None:
    """The server's main process, if the URL names a server on this machine whose processes we may read."""
    if (urlparse(url).hostname or "") not in LOCAL_HOSTS:
        return None
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SELECT pg_backend_pid()").fetchone()
        backend = psutil.Process(int(row[0])) if row else None
        server = backend.parent() if backend else None
        return server if server and server.name().startswith("postgres") else None
    except (psycopg.Error, psutil.Error):
        return None


def server_cpu_seconds(server: psutil.Process) -> float:
    """User and system CPU of the server and every process it started, ended ones included."""
    try:
        own = server.cpu_times()
        total = own.user + own.system + own.children_user + own.children_system
        children = server.children()
    except psutil.Error:
        return 0.0
    for child in children:
        try:
            times = child.cpu_times()
            total += times.user + times.system
        except psutil.Error:  # ended just now: the postmaster's collected times hold it next time
            continue
    return float(total)
