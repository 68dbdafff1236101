"""E-mail over SMTP (smtplib): `smtp://[user:pass@]host:port[?from=ADDR]`, `smtps://…` for implicit TLS,
`smtp://…?starttls=1` to upgrade a plain connection."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from hub.notify.channels import ChannelError, message_id
from hub.notify.outbox import Notice

DEFAULT_FROM = "cityhub@jiangmen.gov.example"


class SmtpChannel:
    name = "email"

    def __init__(self, url: str, timeout_s: float = 10) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"notify_smtp_url must be smtp://host:port or smtps://host:port, got {url!r}")
        query = parse_qs(parts.query)
        self.host, self.tls = parts.hostname, parts.scheme == "smtps"
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = query.get("from", [DEFAULT_FROM])[0]
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout_s = timeout_s

    def message(self, notice: Notice) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = f"江门市一网统管平台 <{self.sender}>"
        mail["To"] = notice.address
        mail["Subject"] = notice.subject
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = f"<{message_id(notice)}@cityhub.jiangmen>"
        mail.set_content(notice.body)
        return mail

    def send(self, notice: Notice) -> None:
        try:
            if self.tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                refused = client.send_message(self.message(notice))
        except (OSError, smtplib.SMTPException) as err:
            raise ChannelError(f"SMTP {self.host}:{self.port}: {err}") from err
        if refused:
            raise ChannelError(f"SMTP {self.host}:{self.port} refused {', '.join(refused)}")
