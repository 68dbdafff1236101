"""SMS through an HTTP gateway: `POST <notify_sms_url>` with JSON `{"mobile", "content", "client_msg_id",
"sign"}`, answered `{"code": 0, "msg_id": …}` when the gateway took the message. `client_msg_id` is the
notice's stable id: the gateway drops a repeat (as the operators' gateways do with their client ids).
A token in the URL's user part (`http://TOKEN@host/…`) goes as `Authorization: Bearer TOKEN`."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from hub.notify.channels import ChannelError, message_id
from hub.notify.outbox import Notice

SIGN = "江门一网统管"  # the registered SMS signature (短信签名)


class SmsChannel:
    name = "sms"

    def __init__(self, url: str, timeout_s: float = 10, sign: str = SIGN) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"notify_sms_url must be http(s)://host[:port]/path, got {url!r}")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.url = urlunsplit((parts.scheme, netloc, parts.path or "/sms/send", parts.query, ""))
        self.headers = {"authorization": f"Bearer {parts.username}"} if parts.username else {}
        self.sign = sign
        self.client = httpx.Client(timeout=timeout_s)

    def send(self, notice: Notice) -> None:
        content = f"【{self.sign}】{notice.subject} {notice.body}"
        payload = {"mobile": notice.address, "content": content, "client_msg_id": message_id(notice),
                   "sign": self.sign}
        try:
            response = self.client.post(self.url, json=payload, headers=self.headers)
        except httpx.HTTPError as err:
            raise ChannelError(f"SMS gateway {self.url}: {err}") from err
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 300 or not isinstance(answer, dict) or answer.get("code") != 0:
            reason = answer.get("msg") if isinstance(answer, dict) else None
            raise ChannelError(f"SMS gateway {self.url}: HTTP {response.status_code} {reason or response.text[:200]}",
                               permanent=response.status_code in (400, 422))
