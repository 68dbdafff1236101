"""The hub as a process of its own (`cityhub serve`), so a test can SIGKILL it mid-stream."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.support import HTTP, free_port

CITYHUB = str(Path(sys.executable).with_name("cityhub"))


def stored_ids(db: Path, prefix: str = "") -> Counter[str]:
    """Every stored event id (starting with `prefix`) with how often it is stored, from a hub's SQLite file."""
    if not db.exists():
        return Counter()
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        rows = conn.execute("SELECT id FROM events WHERE id LIKE ?", (prefix + "%",))
        return Counter(r[0] for r in rows)


class HubProcess:
    def __init__(self, serve_args: list[str], workdir: Path, env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.db = workdir / "hub.sqlite"
        self.port = free_port()
        self.args = [CITYHUB, "serve", *serve_args, "--db", f"sqlite:///{self.db}", "--port", str(self.port)]
        self.env = os.environ | {"CITYHUB_DATA_DIR": str(workdir)} | (env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        log = open(self.workdir / f"hub-{self.starts}.log", "wb")  # noqa: SIM115 - kept open by the child
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if HTTP.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"hub did not answer /healthz within {timeout} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no final acknowledgement, no flush."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def health(self) -> dict[str, object]:
        return HTTP.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).json()  # type: ignore[no-any-return]

    def stored_ids(self, prefix: str = "") -> Counter[str]:
        return stored_ids(self.db, prefix)

    def log_tail(self, lines: int = 30) -> str:
        path = self.workdir / f"hub-{self.starts}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
