"""Delivery channels: each sends one notice to one address and raises `ChannelError` when it could not.

A channel passes the notice's key on as the receiving side's idempotency key (the e-mail's Message-ID,
the webhook's `X-CityHub-Notice` header, the SMS gateway's client message id): a notice sent again after
a sender died between sending and recording it is recognised there as the same message.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from hub.notify.outbox import Notice


class ChannelError(Exception):
    """The channel could not deliver the notice: now (the sender tries again later), or ever (`permanent`:
    the receiving side refused the message itself, e.g. a malformed mobile number)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> None: ...


def message_id(notice: Notice) -> str:
    """A stable id of the notice for the receiving side, from its unique key."""
    return hashlib.sha256(notice.key.encode()).hexdigest()[:32]
