"""The hub as its own process (`python -m hub.cli serve`), so its memory can be measured from outside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support import HTTP, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HubProcess:
    process: subprocess.Popen[bytes]
    url: str
    workdir: Path

    def get(self, path: str, **params: Any) -> httpx.Response:
        return HTTP.get(self.url + path, params=params or None, timeout=30)

    def health(self) -> dict[str, Any]:
        return dict(self.get("/healthz").json())

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"hub process {self.process.pid} has no VmRSS")

    def log(self) -> str:
        return (self.workdir / "hub.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_hub(workdir: Path, *, mqtt: str, db: str | None = None, **settings: Any) -> HubProcess:
    """`cityhub serve` on a free port; `settings` become CITYHUB_<NAME> environment variables."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = os.environ | {f"CITYHUB_{k.upper()}": str(v) for k, v in settings.items()}
    env["CITYHUB_DATA_DIR"] = str(workdir)
    command = [sys.executable, "-m", "hub.cli", "serve", "--mqtt", mqtt, "--port", str(port),
               "--db", db or f"sqlite:///{workdir / 'hub.sqlite'}"]
    with open(workdir / "hub.log", "ab") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    hub = HubProcess(process, f"http://127.0.0.1:{port}", workdir)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"hub exited with {process.returncode}: {hub.log()[-3000:]}")
        try:
            return hub.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60, every=0.2, what="the hub process to serve and connect")
    except BaseException:
        hub.stop()
        raise
    return hub
