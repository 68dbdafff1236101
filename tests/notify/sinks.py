"""Real servers the notice tests deliver to: an SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port


class Mailbox:
    """aiosmtpd handler: every message accepted, parsed, kept in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            return [str(m["Subject"]) for m in self.messages]


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class WebhookBot:
    """A group-bot endpoint on a real HTTP server: checks the signature, keeps the messages, can fail."""

    def __init__(self, secret: str) -> None:
        import http.server

        self.secret, self.received, self.rejected, self.fail_next = secret, [], 0, 0  # type: ignore[var-annotated]
        self.port = free_port()
        bot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                from hub.notify.channels.webhook import signature

                body = self.rfile.read(int(self.headers["content-length"]))
                expected = signature(bot.secret, self.headers.get("x-cityhub-timestamp", ""), body)
                if bot.fail_next > 0:
                    bot.fail_next -= 1
                    status, answer = 200, b'{"errcode": 45009, "errmsg": "api freq out of limit"}'
                elif self.headers.get("x-cityhub-signature") != expected:
                    bot.rejected += 1
                    status, answer = 403, b'{"errcode": 93000, "errmsg": "bad signature"}'
                else:
                    import json

                    bot.received.append((self.path, json.loads(body), self.headers["x-cityhub-notice"]))
                    status, answer = 200, b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={key}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
