"""A hub worker (`cityhub serve`) on the island, and what it says about itself from the island's side."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.partition.island import Island
from tests.transport.hubproc import CITYHUB, stored_ids


class IslandHub:
    def __init__(self, island: Island, serve_args: list[str], workdir: Path, env: dict[str, str] | None = None,
                 port: int = 8000) -> None:
        self.island, self.workdir, self.port = island, workdir, port
        workdir.mkdir(parents=True, exist_ok=True)
        self.db = workdir / "hub.sqlite"
        self.args = island.command(CITYHUB, "serve", *serve_args, "--port", str(port))
        if "--db" not in serve_args:
            self.args += ["--db", f"sqlite:///{self.db}"]
        self.env = os.environ | {"CITYHUB_DATA_DIR": str(workdir), "CITYHUB_HOST": "0.0.0.0"} | (env or {})
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        log = open(self.workdir / "hub.log", "wb")  # noqa: SIM115 - kept open by the child
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: {self.log_tail()}")
            if self.health() is not None:
                return
            time.sleep(0.3)
        raise RuntimeError(f"hub did not answer /healthz within {timeout} s: {self.log_tail()}")

    def health(self) -> dict[str, Any] | None:
        """/healthz asked from inside the island, so it answers whether the link is up or cut."""
        done = subprocess.run(self.island.command("curl", "-s", "-m", "5", f"http://127.0.0.1:{self.port}/healthz"),
                              capture_output=True, text=True, timeout=15, check=False)
        try:
            return json.loads(done.stdout) if done.returncode == 0 else None
        except json.JSONDecodeError:
            return None

    def transport(self, name: str) -> dict[str, Any]:
        health = self.health() or {}
        return dict(health.get("transports", {}).get(name, {}))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def stored_ids(self, prefix: str = "") -> Any:
        return stored_ids(self.db, prefix)

    def log_tail(self, lines: int = 30) -> str:
        path = self.workdir / "hub.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""
