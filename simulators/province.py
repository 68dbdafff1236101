"""A simulated provincial hub (粤治慧) for the exchange: it receives the city's reports, checks their
signature and validates them against `schemas/exchange/province-report.json`, acknowledges them, keeps
each report id once, and sends supervision orders (督办) down to the city.

    python -m simulators.province --port 9030 --secret S --hub-url http://127.0.0.1:8000 [--supervise-severity 4]

`POST /reports` (the city's endpoint) → `{"ack": report_id}`; 401 bad signature, 422 invalid, 503 away.
`GET /reports` → what it took, in order, with counts of repeats, refusals and reports out of order.
`POST /admin/away?on=1|0` makes it unreachable (503) or back. `POST /admin/supervise` with
`{"incident", "text", "due"?}` sends an order to the hub now; `--supervise-severity N` sends one by itself
for the first report of every incident of severity ≥ N.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import fastjsonschema
import httpx

from simulators.json_http import JsonHandler

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "exchange" / "province-report.json"
CHINA = timezone(timedelta(hours=8))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class Province:
    def __init__(self, secret: str, hub_url: str | None = None, supervise_severity: int | None = None) -> None:
        self.secret, self.hub_url, self.supervise_severity = secret, hub_url, supervise_severity
        self.validate = fastjsonschema.compile(json.loads(SCHEMA.read_text(encoding="utf-8")))
        self.lock = threading.Lock()
        self.reports: list[dict[str, Any]] = []
        self.ids: set[str] = set()
        self.repeats = self.out_of_order = 0
        self.refused: list[str] = []
        self.replayed: list[dict[str, Any]] = []
        self.away = False
        self.supervised: set[str] = set()
        self.orders: list[dict[str, Any]] = []

    def receive(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.away:
                return 503, {"error": "省平台维护中"}
            timestamp = headers.get("x-cityhub-timestamp", "")
            if not hmac.compare_digest(sign(self.secret, timestamp, body), headers.get("x-cityhub-signature", "")):
                self.refused.append("signature")
                return 401, {"error": "signature does not match"}
            try:
                report = json.loads(body)
                self.validate(report)
            except (ValueError, fastjsonschema.JsonSchemaException) as err:
                self.refused.append(str(err))
                return 422, {"error": f"invalid report: {err}"}
            report_id = report["report_id"]
            if report_id in self.ids:
                if report["replay"]:  # asked for again (a replay from a date): kept apart
                    self.replayed.append(report)
                else:  # sent again after the city lost its record of our answer: taken once
                    self.repeats += 1
                return 200, {"ack": report_id, "repeat": True}
            if self.reports and not report["replay"] and report["seq"] <= self.reports[-1]["seq"]:
                self.out_of_order += 1
            self.ids.add(report_id)
            self.reports.append(report)
            incident = report.get("incident") or {}
            wanted = (self.supervise_severity is not None and incident.get("severity", 0) >= self.supervise_severity
                      and incident["id"] not in self.supervised and incident.get("state") not in ("closed", "rejected"))
            if wanted:
                self.supervised.add(incident["id"])
        if wanted:
            threading.Thread(target=self.supervise, args=(incident["id"], "请加强处置力量，及时报告进展"),
                             daemon=True).start()
        return 200, {"ack": report_id}

    def supervise(self, incident: str, text: str, due: str | None = None) -> tuple[int, dict[str, Any]]:
        """Send a 督办 order to the city's hub; its answer."""
        if not self.hub_url:
            return 409, {"error": "no --hub-url to send orders to"}
        now = datetime.now(CHINA)
        order = {"order_id": f"YZH-DB-{int(time.time() * 1000)}-{len(self.orders) + 1}", "incident": incident,
                 "text": text, "due": due or (now + timedelta(hours=4)).isoformat(timespec="seconds"),
                 "issued_by": "广东省政务服务数据管理局（粤治慧）", "issued_at": now.isoformat(timespec="seconds")}
        body = json.dumps(order, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        try:
            response = httpx.post(self.hub_url.rstrip("/") + "/api/exchange/orders", content=body, timeout=10,
                                  headers={"content-type": "application/json", "x-cityhub-timestamp": timestamp,
                                           "x-cityhub-signature": sign(self.secret, timestamp, body)})
        except httpx.HTTPError as err:
            return 502, {"error": f"hub unreachable: {err}"}
        with self.lock:
            self.orders.append(order | {"status": response.status_code})
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, {"error": response.text[:200]}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {"reports": list(self.reports), "repeats": self.repeats, "out_of_order": self.out_of_order,
                    "replayed": list(self.replayed),
                    "refused": list(self.refused), "away": self.away, "orders": list(self.orders)}


def handler(province: Province) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/reports":
                self.answer(200, province.summary())
            else:
                self.answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(min(int(self.headers.get("content-length") or 0), 1024 * 1024))
            if parts.path == "/reports":
                self.answer(*province.receive(self.headers, body))
            elif parts.path == "/admin/away":
                with province.lock:
                    province.away = parse_qs(parts.query).get("on", ["1"])[0] == "1"
                self.answer(200, {"away": province.away})
            elif parts.path == "/admin/supervise":
                try:
                    ask = json.loads(body)
                    self.answer(*province.supervise(str(ask["incident"]), str(ask["text"]), ask.get("due")))
                except (ValueError, KeyError, TypeError) as err:
                    self.answer(400, {"error": f"need {{incident, text}}: {err}"})
            else:
                self.answer(404, {"error": "not found"})

    return Handler


def serve(port: int, secret: str, hub_url: str | None = None, supervise_severity: int | None = None,
          host: str = "127.0.0.1") -> tuple[ThreadingHTTPServer, Province]:
    province = Province(secret, hub_url, supervise_severity)
    server = ThreadingHTTPServer((host, port), handler(province))
    server.daemon_threads = True
    return server, province


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="simulated provincial hub (粤治慧)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9030)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--hub-url", help="the city hub's base URL, for 督办 orders")
    parser.add_argument("--supervise-severity", type=int)
    args = parser.parse_args(argv)
    server, _ = serve(args.port, args.secret, args.hub_url, args.supervise_severity, args.host)
    print(f"province on http://{args.host}:{args.port}/reports", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
