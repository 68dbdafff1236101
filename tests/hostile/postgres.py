"""A PostgreSQL of the test's own (initdb, pg_ctl) on a free port, so the test may stop and start it."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from tests.support import free_port

PG_BIN = Path(os.environ.get("CITYHUB_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """Why this machine cannot run one, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries in {PG_BIN} (apt-get install postgresql-15 postgresql-15-postgis-3)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "a 'postgres' user to run PostgreSQL as (it refuses to run as root)"
    return None


class OwnPostgres:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cityhub-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:  # PostgreSQL will not run as root: hand it the folder and run it as postgres
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.user = "postgres"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/cityhub"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.dir)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr[-2000:]}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self) -> None:
        with psycopg.connect(self.url.replace("/cityhub", "/postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE cityhub")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
