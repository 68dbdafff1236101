"""Soak: the full simulator mix against a hub for N minutes; reports whether memory and lag stay flat.

    python scripts/soak.py [--minutes 30] [--rate 200] [--mqtt URL --hub URL] [--stalled-viewer] [--json]

By default it starts its own Mosquitto (config/mosquitto.conf on a free port) and its own hub
process (`python -m hub.cli serve`, SQLite in a temporary folder), so the hub's memory can be read
from /proc. Every `--every` seconds it samples the hub's RSS, what the simulators have published and
what the hub has accounted for (stored + duplicates + dead letters): lag = published − accounted.
At the end it compares the first and last quarters and exits 1 if memory or lag kept growing.
`--stalled-viewer` keeps one live-map WebSocket open that never reads, to show it costs nothing.
Not a CI test: performance figures go to docs/GUARANTEES.md and docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import mean
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from adapters.base import CloudEvent  # noqa: E402
from hub.transports.mqtt.publisher import MqttPublisher  # noqa: E402
from simulators.registry import SIMULATORS  # noqa: E402
from simulators.runner import simulate  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port} (exit status {process.poll()})")


def start_mosquitto(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    lines = [f"listener {port} 127.0.0.1" if line.startswith("listener ") else
             f"persistence_location {workdir}/" if line.startswith("persistence_location ") else line
             for line in (ROOT / "config" / "mosquitto.conf").read_text(encoding="utf-8").splitlines()]
    if os.geteuid() == 0:
        lines.append("user root")
    (workdir / "mosquitto.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(workdir / "mosquitto.log", "ab") as log:
        broker = subprocess.Popen(["mosquitto", "-c", str(workdir / "mosquitto.conf")], stdout=log, stderr=log)
    wait_port(port, broker)
    return broker, f"mqtt://127.0.0.1:{port}"


def start_hub(workdir: Path, mqtt: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {"CITYHUB_DATA_DIR": str(workdir)}
    with open(workdir / "hub.log", "ab") as log:
        hub = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve", "--mqtt", mqtt, "--port", str(port),
                                "--db", f"sqlite:///{workdir / 'hub.sqlite'}"], cwd=ROOT, env=env,
                               stdout=log, stderr=log)
    wait_port(port, hub)
    return hub, f"http://127.0.0.1:{port}"


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


class CountingPublisher(MqttPublisher):
    published = 0

    def publish(self, topic: str, events: list[CloudEvent]) -> None:
        super().publish(topic, events)
        self.published += len(events)


def stall_viewer(hub_url: str) -> socket.socket:
    """A live-map WebSocket that completes its handshake and never reads a byte."""
    host, port = hub_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"GET /ws/live HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: c29hay1zdGFsbGVkLXZpZXc=\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    return sock


def sample(hub_url: str, pid: int | None, publisher: CountingPublisher, began: float) -> dict[str, Any]:
    health = httpx.get(hub_url + "/healthz", timeout=30).json()
    totals = health["totals"]
    accounted = totals["stored"] + totals["duplicates"] + totals["dead"]
    backlog = sum(t.get("backlog", 0) for t in health.get("transports", {}).values())
    return {"t_s": round(time.monotonic() - began), "rss_mb": rss_mb(pid), "published": publisher.published,
            "accounted": accounted, "lag": publisher.published - accounted, "backlog": backlog, **totals}


def verdict(samples: list[dict[str, Any]]) -> dict[str, Any]:
    quarter = max(1, len(samples) // 4)
    first, last = samples[:quarter], samples[-quarter:]
    span = max(1, samples[-1]["t_s"] - samples[0]["t_s"])
    report: dict[str, Any] = {
        "minutes": round(samples[-1]["t_s"] / 60, 1), "samples": len(samples),
        "events_per_s": round((samples[-1]["accounted"] - samples[0]["accounted"]) / span, 1),
        "lag_first_quarter_max": max(s["lag"] for s in first), "lag_last_quarter_max": max(s["lag"] for s in last),
        "lag_max": max(s["lag"] for s in samples),
    }
    if samples[0]["rss_mb"] is not None:
        report |= {"rss_first_quarter_mb": round(mean(s["rss_mb"] for s in first), 1),
                   "rss_last_quarter_mb": round(mean(s["rss_mb"] for s in last), 1),
                   "rss_max_mb": max(s["rss_mb"] for s in samples)}
        growth = report["rss_last_quarter_mb"] - report["rss_first_quarter_mb"]
        report["memory_flat"] = growth < max(50.0, 0.2 * report["rss_first_quarter_mb"])
    report["lag_flat"] = report["lag_last_quarter_max"] <= 2 * report["lag_first_quarter_max"] + 500
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=200, help="native messages per second, all simulators")
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    parser.add_argument("--mqtt", help="use this broker instead of starting a Mosquitto")
    parser.add_argument("--hub", help="use this hub's URL instead of starting one (then no RSS figures)")
    parser.add_argument("--stalled-viewer", action="store_true", help="keep a live WebSocket that never reads")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--json", action="store_true", help="one JSON object a line")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="cityhub-soak-"))
    children: list[subprocess.Popen[bytes]] = []
    try:
        mqtt = args.mqtt
        if mqtt is None:
            broker, mqtt = start_mosquitto(workdir)
            children.append(broker)
        hub_url, pid = args.hub, None
        if hub_url is None:
            hub, hub_url = start_hub(workdir, mqtt)
            children.append(hub)
            pid = hub.pid
        viewer = stall_viewer(hub_url) if args.stalled_viewer else None
        publisher = CountingPublisher(mqtt, f"soak-{os.getpid()}")
        stop = threading.Event()
        sims = threading.Thread(target=simulate, args=(list(SIMULATORS.values()), publisher),
                                kwargs={"rate": args.rate, "duration": args.minutes * 60, "seed": args.seed,
                                        "stop": stop}, daemon=True)
        began = time.monotonic()
        sims.start()
        samples = []
        while sims.is_alive() and not stop.wait(args.every):
            samples.append(sample(hub_url, pid, publisher, began))
            show(samples[-1], args.json)
        deadline = time.monotonic() + 120  # drained: everything published is accounted for
        while samples and sample(hub_url, pid, publisher, began)["lag"] > 0 and time.monotonic() < deadline:
            time.sleep(1)
        final = sample(hub_url, pid, publisher, began)
        report = verdict(samples or [final]) | {"final_lag": final["lag"], "published": final["published"],
                                                "stalled_viewer": bool(viewer), "dropped_by_publisher":
                                                publisher.dropped}
        print(json.dumps(report) if args.json else "\n".join(f"{k}: {v}" for k, v in report.items()))
        publisher.close()
        if viewer:
            viewer.close()
        return 0 if report.get("memory_flat", True) and report["lag_flat"] and final["lag"] <= 0 else 1
    except KeyboardInterrupt:
        return 130
    finally:
        for child in reversed(children):
            child.terminate()
            child.wait(20)


def show(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(row), flush=True)
    else:
        print(f"{row['t_s']:>6} s  rss {row['rss_mb']} MB  published {row['published']:>8}  "
              f"accounted {row['accounted']:>8}  lag {row['lag']:>6}  backlog {row['backlog']:>6}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
