"""The hub under test as a process of its own (`cityhub serve`), watched for CPU time and memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.brokers import free_port
from hub.transports.base import transport_for


class HubProcess:
    def __init__(self, workdir: Path, *, mqtt: str | None = None, kafka: str | None = None, db: str | None = None,
                 env: dict[str, str] | None = None, name: str = "hub", broker: str | None = None) -> None:
        """`broker`: a transport URL (mqtt://…, kafka://…), given to `serve` as the option named by the
        registry's transport for its scheme (`--mqtt`, `--kafka`)."""
        self.workdir, self.name = workdir, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_url = db or f"sqlite:///{workdir / (name + '.sqlite')}"
        args = [sys.executable, "-m", "hub.cli", "serve", "--port", str(self.port), "--db", self.db_url]
        args += ["--mqtt", mqtt] if mqtt else []
        args += ["--kafka", kafka] if kafka else []
        args += [f"--{transport_for(broker).name}", broker] if broker else []
        self.args = args
        self.env = os.environ | {"CITYHUB_DATA_DIR": str(workdir), "CITYHUB_MQTT_CLIENT_ID": f"bench-{name}"}
        self.env |= env or {}
        self.shared_store = bool(db)  # a store named by URL may hold other workers' and runs' events
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss = 0
        self._watching = threading.Event()
        # one client for the run's many looks at /healthz: a new one per request builds a TLS context
        # (≈ 50 ms of CPU here), which took ≈ 20 % of a core from the machine under test at 4 looks a second
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def start(self, timeout: float = 90) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.workdir / f"{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if self.http.get("/healthz", timeout=2).status_code == 200:
                    threading.Thread(target=self._watch_memory, name=f"{self.name}-rss", daemon=True).start()
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"hub did not answer /healthz within {timeout} s: {self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def _watch_memory(self) -> None:
        self._watching.set()
        process = psutil.Process(self.pid)
        while self._watching.is_set():
            try:
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.2)

    def health(self) -> dict[str, object]:
        return self.http.get("/healthz").json()  # type: ignore[no-any-return]

    def totals(self) -> dict[str, int]:
        """What the hub's pipeline has finished with: stored, duplicates, dead (letters); the events whose
        MQTT republish it shed because the broker was not reading (`republish_shed`); its MQTT connections
        so far (a reconnect makes the broker send again what was in flight); its fresh view behind a backlog
        (times opened, events shown, skipped, and stored events held back from the map meanwhile); Kafka
        fetches that jumped past offsets, read again (`kafka_gaps_*`, hub/transports/kafka/gaps.py)."""
        health = self.health()
        totals, transports = health["totals"], health.get("transports") or {}
        assert isinstance(totals, dict) and isinstance(transports, dict)
        mqtt = transports.get("mqtt") or {}
        gaps = (transports.get("kafka") or {}).get("offset_gaps") or {}
        views = [transports.get(name) or {} for name in ("mqtt_fresh", "kafka_fresh")]
        return {k: int(totals.get(k, 0)) for k in ("stored", "duplicates", "dead", "batches")} | {
            "republish_shed": int(mqtt.get("republish_shed", 0)),
            "mqtt_connections": int(mqtt.get("connections", 0))} | {
            f"kafka_gaps_{k}": int(gaps.get(k, 0)) for k in ("found", "recovered", "accepted")} | {
            f"fresh_{k}": sum(int(v.get(k, 0)) for v in views) for k in ("opened", "shown", "skipped")} | {
            "fresh_held_back": max(int(v.get("held_back", 0)) for v in views)}  # the live stream's, shared

    def handled(self) -> int:
        """Events finished with, each once: stored or dead-lettered (a redelivery is a duplicate, not one more)."""
        totals = self.totals()
        return totals["stored"] + totals["dead"]

    def last_stored_at(self) -> float | None:
        """When the hub's ingests last stored (or dead-lettered) a batch and acknowledged it (its clock)."""
        transports: Any = self.health().get("transports") or {}
        times = [t.get("last_stored_at") for t in transports.values() if isinstance(t, dict)]
        return max((float(t) for t in times if t), default=None)

    def dead_reasons(self, limit: int = 200) -> dict[str, int]:
        """The latest dead letters' reasons, grouped by their first words."""
        items = self.http.get("/api/deadletters", params={"limit": limit}).json()["items"]
        found: dict[str, int] = {}
        for item in items:
            head = " ".join(str(item["reason"]).split()[:3])
            found[head] = found.get(head, 0) + 1
        return found

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        self._watching.clear()
        self.http.close()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_lines(self, lines: int) -> list[str]:
        path = self.workdir / f"{self.name}.log"
        return path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []

    def log_tail(self, lines: int = 15) -> str:
        return " | ".join(self.log_lines(lines))


class Hubs:
    """Several hub workers of one benchmark seen as one: totals and CPU summed, memory per worker."""

    def __init__(self, workers: list[HubProcess]) -> None:
        self.workers = workers

    def start(self) -> None:
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def totals(self) -> dict[str, int]:
        found = [w.totals() for w in self.workers]
        return {k: sum(t[k] for t in found) for k in found[0]}

    def handled(self) -> int:
        return sum(w.handled() for w in self.workers)

    def cpu_seconds(self) -> float:
        return sum(w.cpu_seconds() for w in self.workers)

    def last_stored_at(self) -> float | None:
        times = [t for w in self.workers if (t := w.last_stored_at()) is not None]
        return max(times, default=None)

    @property
    def peak_rss(self) -> int:
        return max(w.peak_rss for w in self.workers)

    def dead_reasons(self, limit: int = 200) -> dict[str, int]:
        """The reasons of the latest `limit` dead letters (the store may be shared with earlier runs)."""
        merged: dict[str, int] = {}
        for worker in self.workers[:1] if self.workers[0].shared_store else self.workers:
            for reason, n in worker.dead_reasons(min(limit, 200)).items():
                merged[reason] = merged.get(reason, 0) + n
        return merged

    def partitions(self) -> list[set[int]]:
        """The Kafka partitions each worker owns (empty sets without Kafka)."""
        found = []
        for worker in self.workers:
            transports: Any = worker.health().get("transports") or {}
            found.append(set((transports.get("kafka") or {}).get("partitions") or ()))
        return found
