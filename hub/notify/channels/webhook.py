"""Webhooks in the shape of the work-chat group bots (企业微信 / 粤政易 群机器人): a JSON POST of
`{"msgtype": "markdown", "markdown": {"content": …}}`, answered `{"errcode": 0, …}` when accepted.

The notice's address is a webhook URL or the name of one in `notify_webhooks`. Each request is signed:
`X-CityHub-Timestamp` (Unix seconds) and `X-CityHub-Signature: sha256=<hex>`, the HMAC-SHA256 with the
shared secret `notify_webhook_secret` over `<timestamp>\\n<body bytes>`; `X-CityHub-Notice` carries the
notice's stable id for the receiver to drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

import httpx
import orjson

from hub.notify.channels import ChannelError, message_id
from hub.notify.outbox import Notice


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def bot_message(notice: Notice) -> dict[str, object]:
    return {"msgtype": "markdown", "markdown": {"content": f"**{notice.subject}**\n{notice.body}"}}


class WebhookChannel:
    name = "webhook"

    def __init__(self, urls: Mapping[str, str] | None = None, secret: str = "", timeout_s: float = 10) -> None:
        self.urls, self.secret = dict(urls or {}), secret
        self.client = httpx.Client(timeout=timeout_s)

    def url_of(self, address: str) -> str:
        url = self.urls.get(address, address)
        if not url.startswith(("http://", "https://")):
            raise ChannelError(f"no webhook URL for {address!r}: name it in notify_webhooks")
        return url

    def send(self, notice: Notice) -> None:
        url = self.url_of(notice.address)
        body = orjson.dumps(bot_message(notice))
        timestamp = str(int(time.time()))
        headers = {"content-type": "application/json", "x-cityhub-timestamp": timestamp,
                   "x-cityhub-notice": message_id(notice)}
        if self.secret:
            headers["x-cityhub-signature"] = signature(self.secret, timestamp, body)
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as err:
            raise ChannelError(f"webhook {url}: {err}") from err
        if response.status_code >= 300:
            raise ChannelError(f"webhook {url}: HTTP {response.status_code} {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
            raise ChannelError(f"webhook {url}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")
