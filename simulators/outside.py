"""What the demo's notices and reports reach: an SMTP server (aiosmtpd) that prints each e-mail, the
simulated SMS gateway, and the simulated provincial hub, each on a free local port, in this process."""

from __future__ import annotations

import email
import email.policy
import secrets
import socket
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from simulators import province, sms_gateway


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrintingMailbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        print(f"📧 {mail['To']}: {mail['Subject']}", file=sys.stderr, flush=True)
        return "250 OK"


class Outside:
    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(16)
        self.smtp = Controller(PrintingMailbox(), hostname="127.0.0.1", port=free_port())
        self.servers: list[ThreadingHTTPServer] = []
        self.sms_port, self.province_port = free_port(), free_port()

    def settings(self) -> dict[str, Any]:
        """The hub's settings that point its notices and reports here."""
        return {"notify_smtp_url": f"smtp://127.0.0.1:{self.smtp.port}",
                "notify_sms_url": f"http://127.0.0.1:{self.sms_port}/sms/send",
                "exchange_url": f"http://127.0.0.1:{self.province_port}/reports", "exchange_secret": self.secret}

    def start(self, hub_url: str) -> None:
        self.smtp.start()
        sms, _ = sms_gateway.serve(self.sms_port)
        hub, _ = province.serve(self.province_port, self.secret, hub_url, supervise_severity=4)
        for server in (sms, hub):
            self.servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.smtp.stop()
