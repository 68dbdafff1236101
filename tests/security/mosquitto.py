"""A Mosquitto the test starts itself: the Debian binary, a free port, a folder of its own."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
AUTH_SCRIPT = ROOT / "scripts" / "mosquitto_auth.py"


def mosquitto_bin() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)


def localized(conf: str, port: int, workdir: Path, extra: tuple[str, ...] = ()) -> str:
    """A config for this instance: its own listener port and persistence folder; `extra` lines win."""
    keys = {line.split()[0] for line in extra}
    lines = []
    for line in conf.splitlines():
        if line.startswith("listener "):
            line = f"listener {port} 127.0.0.1"
        elif line.startswith("persistence_location "):
            line = f"persistence_location {workdir}/"
        elif line.split(" ", 1)[0] in keys:
            continue
        lines.append(line)
    if os.geteuid() == 0:  # as root Mosquitto would switch to user mosquitto, who cannot read our files
        lines.append(f"user {getpass.getuser()}")
    return "\n".join([*lines, *extra]) + "\n"


@dataclass
class Mosquitto:
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    accounts: dict[str, str] = field(default_factory=dict)

    def url(self, user: str | None = None) -> str:
        if user is None:
            return f"mqtt://127.0.0.1:{self.port}"
        return f"mqtt://{user}:{self.accounts[user]}@127.0.0.1:{self.port}"

    def log(self) -> str:
        return (self.workdir / "mosquitto.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start(conf: str, workdir: Path, accounts: dict[str, str] | None = None, extra: tuple[str, ...] = (),
          timeout: float = 10) -> Mosquitto:
    binary = mosquitto_bin()
    assert binary, "no mosquitto binary"
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "broker.conf").write_text(localized(conf, port, workdir, extra), encoding="utf-8")
    with open(workdir / "mosquitto.log", "ab") as log:
        process = subprocess.Popen([binary, "-c", str(workdir / "broker.conf")], stdout=log, stderr=log)
    broker = Mosquitto(port, workdir, process, accounts or {})
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            broker.stop()
            raise RuntimeError(f"mosquitto did not start on {port}: {broker.log()[-2000:]}")
        time.sleep(0.05)
    return broker


def start_secure(workdir: Path) -> Mosquitto:
    """The authenticated broker exactly as scripts/mosquitto_auth.py generates it."""
    auth = workdir / "acl"
    subprocess.run([sys.executable, str(AUTH_SCRIPT), "--out", str(auth)], check=True, capture_output=True)
    accounts = json.loads((auth / "credentials.json").read_text(encoding="utf-8"))
    return start((auth / "mosquitto.conf").read_text(encoding="utf-8"), workdir, accounts)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0
