"""The link up to the provincial hub (粤治慧): reports of incidents at or above a severity as they open
and change, and each day's indicators, sent in order over HTTPS POST (or to a Kafka topic: hub/exchange/kafka.py).

Every POST carries `X-CityHub-Timestamp` and `X-CityHub-Signature: sha256=<hex>` (HMAC-SHA256 with the
shared secret over `<timestamp>\\n<body>`, the scheme of the webhooks). The province answers 2xx with
`{"ack": "<report_id>"}`; anything else is a failure and the same report goes again after a backoff
(5 s doubling to 10 min) — a report is never skipped, and the province drops a report id it holds
already, so a report resent after a crash is taken once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import orjson

from hub.exchange.kafka import KafkaReports
from hub.exchange.outbox import ReportOutbox
from hub.exchange.reports import OnlineRates, Stats, envelope, incident_report, indicators_report
from hub.incidents.model import Step
from hub.incidents.store import IncidentStore
from hub.incidents.views import CHINA_TIME
from hub.notify.channels.webhook import signature
from hub.store.database import Database

log = logging.getLogger(__name__)
REPORTED_STEPS = ("open", "transition", "escalate", "alarm", "supervise")
FIRST_RETRY_S, MAX_RETRY_S = 5.0, 600.0


class ProvinceLink:
    def __init__(self, db: Database, url: str | None, secret: str = "", city: str = "440700", min_severity: int = 3,
                 stats: Stats | None = None, clock: Callable[[], float] = time.time, timeout_s: float = 10,
                 kafka_options: dict[str, Any] | None = None, online: OnlineRates | None = None,
                 weights: dict[str, float] | None = None) -> None:
        self.db, self.url, self.secret, self.city = db, url, secret, city
        self.kafka = KafkaReports(url, city, timeout_s, **(kafka_options or {})) if url and url.startswith(
            "kafka://") else None
        self.min_severity, self.stats, self.clock, self.online = min_severity, stats, clock, online
        self.weights = weights  # of the evaluation score (settings.evaluation_weights)
        self.outbox = ReportOutbox(db)
        self.client = httpx.Client(timeout=timeout_s)
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.lease_s = timeout_s * 3
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._indicators_of: date | None = None  # the last day whose indicators are known to be queued

    def watch(self, store: IncidentStore) -> None:
        store.step_listeners.append(self.on_steps)

    def on_steps(self, store: IncidentStore, steps: list[Step]) -> None:
        """Inside the steps' transaction: queue a report of each reported step of a severe enough incident."""
        for step in steps:
            if step.action not in REPORTED_STEPS:
                continue
            incident = store.get(step.incident_id)
            if incident is not None and incident.severity >= self.min_severity:
                self.outbox.add("incident", incident_report(self.city, incident, step), self.clock(), incident.id)

    def queue_indicators(self, day: date) -> bool:
        """Queue the day's indicators once (a later call for the same day adds nothing)."""
        if self._indicators_of == day:
            return False
        self._indicators_of = day
        if self.db.one("SELECT seq FROM exchange_reports WHERE key = ?", (f"indicators/{day.isoformat()}",)):
            return False
        body = indicators_report(day, self.db, self.stats, self.online, self.weights)
        with self.db.exclusive():
            return self.outbox.add("indicators", body, self.clock(), key=f"indicators/{day.isoformat()}")

    def yesterday(self) -> date:
        return (datetime.fromtimestamp(self.clock(), CHINA_TIME) - timedelta(days=1)).date()

    # ── sending ──
    def send_due(self) -> int:
        """Send waiting reports in order while the province takes them; how many were delivered."""
        if not self.url:
            return 0
        sent = 0
        while not self._stop.is_set() and self.outbox.hold(self.name, self.clock(), self.lease_s):
            report = self.outbox.next_due()
            if report is None:
                break
            error = self._post(report)
            now = self.clock()
            if error is None:
                self.outbox.delivered(report["seq"], self.name, now)
                sent += 1
                continue
            failures = self.outbox.failed(report["seq"], self.name, now, error,
                                          now + min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** report["attempts"]))
            log.warning("province report %s not delivered (%d failures in a row): %s", report["seq"], failures, error)
            break
        return sent

    def _post(self, report: dict[str, Any]) -> str | None:
        """POST one report; None when the province acknowledged it, else why not."""
        assert self.url is not None
        message = envelope(self.city, report["seq"], report["kind"], report["created_at"], bool(report["replay"]),
                           report["body"], self.clock())
        body = orjson.dumps(message)
        timestamp = str(int(time.time()))
        headers = {"content-type": "application/json", "x-cityhub-timestamp": timestamp,
                   "x-cityhub-signature": signature(self.secret, timestamp, body)}
        if self.kafka is not None:
            return self.kafka.send(body, headers)
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return f"{type(err).__name__}: {err}"
        if response.status_code >= 300:
            return f"HTTP {response.status_code}: {response.text[:200]}"
        try:
            ack = response.json().get("ack")
        except (ValueError, AttributeError):
            ack = None
        if ack != message["report_id"]:
            return f"no acknowledgement of {message['report_id']}: {response.text[:200]}"
        return None

    def state(self) -> dict[str, Any]:
        return {"endpoint": self.url, "city": self.city, "min_severity": self.min_severity} | self.outbox.state()

    # ── running ──
    def start(self, every_s: float) -> None:
        if every_s <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(every_s,), name="province-link", daemon=True)
        self._thread.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.queue_indicators(self.yesterday())
                self.send_due()
            except Exception:
                log.exception("province link round failed; trying again in %s s", every_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None
        self.client.close()
        if self.kafka is not None:
            self.kafka.close()
