"""The hub's HTTP perimeter: strict CORS, request-body limits and the live stream's token (a viewer token or a
named user's sign-in; the stream then carries only the user's area, hub/api/deps.live_principal).

`secure(app, settings)` wires all three in. Each is plain ASGI middleware, so it guards every
route, including ones added later, before any handler runs.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from hub.settings import Settings

Scope = MutableMapping[str, Any]
ASGIMessage = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
BEARER = "bearer."  # a browser, which cannot set headers on a WebSocket, offers the subprotocol "bearer.<token>"
POLICY_VIOLATION = 1008


def secure(app: FastAPI, settings: Settings) -> None:
    """Add the perimeter to the app: the body limit innermost, CORS and the WebSocket gate outside it."""
    if "*" in settings.cors_origins:
        raise ValueError("cors_origins must list origins; '*' would let any web page read city data")
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                       allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(WebSocketGate, settings=settings)


def token_matches(offered: str | None, *expected: str | None) -> bool:
    """Constant-time comparison against each configured (non-empty) token."""
    if not offered:
        return False
    return any(hmac.compare_digest(offered.encode(), token.encode()) for token in expected if token)


def redacted(url: str) -> str:
    """A broker or database URL fit for logs: `mqtt://cityhub:***@host:1883`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{parts.netloc.rsplit('@', 1)[1]}"))


class TooLarge(Exception):
    pass


async def refuse_http(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a request body over `max_bytes`: at once when Content-Length says so, else while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reason = f"request body larger than {self.max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await refuse_http(send, 400, "Content-Length is not a number")
                return
            if int(declared) > self.max_bytes:
                await refuse_http(send, 413, reason)
                return
        seen = 0
        started = False

        async def counted_receive() -> ASGIMessage:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge(reason)
            return message

        async def watched_send(message: ASGIMessage) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except TooLarge:
            if started:
                raise
            await refuse_http(send, 413, reason)


class WebSocketGate:
    """Every WebSocket must come from this site (or a configured origin) and, when a viewer token is set,
    carry it: `?token=`, `Authorization: Bearer …`, or the subprotocol `bearer.<token>`."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
        refusal = await asyncio.to_thread(self.refusal, scope, headers, offered)
        if refusal:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": refusal})
            return

        async def choose_subprotocol(message: ASGIMessage) -> None:
            if message["type"] == "websocket.accept" and not message.get("subprotocol") and offered:
                plain = [p for p in offered if not p.startswith(BEARER)]
                message = {**message, "subprotocol": (plain or offered)[0]}
            await send(message)

        await self.app(scope, receive, choose_subprotocol)

    def refusal(self, scope: Scope, headers: dict[str, str], offered: list[str]) -> str | None:
        origin = headers.get("origin")
        if origin and not self.same_site(origin, headers.get("host", "")):
            return f"origin {origin} is not allowed"
        token = presented_token(scope, headers, offered)
        if token_matches(token, self.settings.viewer_token, self.settings.operator_token):
            return None
        hub = getattr(getattr(scope.get("app"), "state", None), "hub", None)
        if hub is None:
            return "viewer token required" if self.settings.viewer_token else None
        from hub.api.deps import principal_of, reads_open  # deps imports this module

        if (token and principal_of(hub, token) is not None) or reads_open(hub):
            return None
        return "viewer token or sign-in required"

    def same_site(self, origin: str, host: str) -> bool:
        return origin in self.settings.cors_origins or urlsplit(origin).netloc == host


def presented_token(scope: Scope, headers: dict[str, str], offered: list[str]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    for protocol in offered:
        if protocol.startswith(BEARER):
            return protocol[len(BEARER):]
    return None
