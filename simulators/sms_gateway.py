"""A simulated SMS gateway (短信网关) speaking the HTTP API of `hub/notify/channels/sms.py`.

`POST /sms/send` takes `{"mobile", "content", "client_msg_id", "sign"}`: a mainland mobile number
(11 digits, 1…), content of 1–500 characters; a repeated `client_msg_id` is acknowledged again but
sent only once. `GET /sms/messages` lists what was sent, in order, and `repeats` (how many repeats it
dropped). `--fail-first N` answers the first N sends with 503, as a gateway that is briefly away;
`POST /admin/fail?n=N` does the same at run time.

    python -m simulators.sms_gateway --port 9025
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulators.json_http import JsonHandler

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


class Gateway:
    def __init__(self, fail_first: int = 0) -> None:
        self.lock = threading.Lock()
        self.sent: list[dict[str, Any]] = []
        self.by_id: dict[str, int] = {}
        self.repeats = 0
        self.fail_next = fail_first

    def take(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"code": 503, "msg": "网关繁忙，请稍后重试"}
            mobile, content = body.get("mobile"), body.get("content")
            client_id = str(body.get("client_msg_id") or "")
            if not isinstance(mobile, str) or not MOBILE.match(mobile):
                return 400, {"code": 40001, "msg": f"invalid mobile {mobile!r}"}
            if not isinstance(content, str) or not 0 < len(content) <= 500:
                return 400, {"code": 40002, "msg": "content must be 1–500 characters"}
            if client_id and client_id in self.by_id:
                self.repeats += 1
                return 200, {"code": 0, "msg_id": self.by_id[client_id], "repeat": True}
            self.sent.append({"mobile": mobile, "content": content, "client_msg_id": client_id})
            msg_id = len(self.sent)
            if client_id:
                self.by_id[client_id] = msg_id
            return 200, {"code": 0, "msg_id": msg_id}


def handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(JsonHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/sms/messages":
                with gateway.lock:
                    self.answer(200, {"messages": list(gateway.sent), "repeats": gateway.repeats})
            else:
                self.answer(404, {"code": 404, "msg": "not found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(min(length, 64 * 1024))
            if parts.path == "/admin/fail":
                with gateway.lock:
                    gateway.fail_next = int(parse_qs(parts.query).get("n", ["1"])[0])
                self.answer(200, {"code": 0})
                return
            if parts.path != "/sms/send":
                self.answer(404, {"code": 404, "msg": "not found"})
                return
            try:
                body = json.loads(raw)
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError as err:
                self.answer(400, {"code": 40000, "msg": f"bad JSON: {err}"})
                return
            self.answer(*gateway.take(body))

    return Handler


def serve(port: int, host: str = "127.0.0.1", fail_first: int = 0) -> tuple[ThreadingHTTPServer, Gateway]:
    gateway = Gateway(fail_first)
    server = ThreadingHTTPServer((host, port), handler(gateway))
    server.daemon_threads = True
    return server, gateway


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="simulated SMS gateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9025)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args(argv)
    server, _ = serve(args.port, args.host, args.fail_first)
    print(f"SMS gateway on http://{args.host}:{args.port}/sms/send", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
