"""The HTTP perimeter of a real hub (uvicorn on a free port): CORS, body limits, the live stream's token."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
import websockets
from fastapi import FastAPI, Request

from hub.api.security import secure
from hub.settings import Settings
from tests.security.conftest import OPERATOR, VIEWER, HubFactory
from tests.support import RunningHub, free_port, wait_for

pytestmark = pytest.mark.integration
CITY_SCREEN = "https://dapin.jiangmen.gov.cn"


def live(hub: RunningHub, query: str = "", **options: Any) -> Any:
    """Open /ws/live and return the first message, or the refusal's HTTP status."""
    async def go() -> Any:
        url = hub.url.replace("http", "ws") + "/ws/live" + query
        try:
            async with websockets.connect(url, **options) as ws:
                return orjson.loads(await asyncio.wait_for(ws.recv(), 10)) | {"subprotocol": ws.subprotocol}
        except websockets.InvalidStatus as refused:
            return refused.response.status_code
    return asyncio.run(go())


def test_cross_origin_reads_refused_by_default(web_hub: HubFactory) -> None:
    with web_hub() as hub:
        read = httpx.get(hub.url + "/api/events", headers={"Origin": "https://evil.example"})
        assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
        preflight = httpx.options(hub.url + "/api/events", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers


def test_only_configured_origins_get_cors(web_hub: HubFactory) -> None:
    with web_hub(cors_origins=[CITY_SCREEN]) as hub:
        allowed = httpx.get(hub.url + "/healthz", headers={"Origin": CITY_SCREEN})
        assert allowed.headers["access-control-allow-origin"] == CITY_SCREEN
        other = httpx.get(hub.url + "/healthz", headers={"Origin": "https://dapin.jiangmen.gov.cn.evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_wildcard_cors_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="must list origins"):
        secure(FastAPI(), Settings(cors_origins=["*"]))


def test_oversize_request_bodies_get_413(web_hub: HubFactory) -> None:
    with web_hub(max_request_bytes=64 * 1024) as hub:
        path = hub.url + "/api/incidents/INC-1/transitions"
        declared = httpx.post(path, content=b"x" * (2 * 1024 * 1024))
        assert declared.status_code == 413 and "65536" in declared.json()["detail"]
        assert httpx.post(path, json={"to": "registered"}).status_code != 413
        assert httpx.get(hub.url + "/healthz").status_code == 200


def test_streamed_body_over_the_limit_gets_413() -> None:
    """No Content-Length (chunked): the limit counts the body as it streams into a handler that reads it."""
    app = FastAPI()
    secure(app, Settings(max_request_bytes=64 * 1024))

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    def chunks(count: int) -> Iterator[bytes]:
        for _ in range(count):
            yield b"y" * 8192

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="uvicorn")
    try:
        assert httpx.post(f"http://127.0.0.1:{port}/echo", content=chunks(4)).json() == {"bytes": 32768}
        assert httpx.post(f"http://127.0.0.1:{port}/echo", content=chunks(40)).status_code == 413
    finally:
        server.should_exit = True
        thread.join(10)


def test_live_stream_is_open_when_no_viewer_token_is_configured(web_hub: HubFactory) -> None:
    with web_hub() as hub:
        assert live(hub)["kind"] == "hello"


def test_live_stream_needs_the_viewer_token_when_configured(web_hub: HubFactory) -> None:
    with web_hub(viewer_token=VIEWER, operator_token=OPERATOR) as hub:
        assert live(hub) == 403
        assert live(hub, "?token=wrong") == 403
        assert live(hub, additional_headers={"Authorization": "Bearer guess"}) == 403
        assert live(hub, f"?token={VIEWER}")["kind"] == "hello"
        assert live(hub, f"?token={OPERATOR}")["kind"] == "hello"
        assert live(hub, additional_headers={"Authorization": f"Bearer {VIEWER}"})["kind"] == "hello"
        by_protocol = live(hub, subprotocols=["cityhub.live", f"bearer.{VIEWER}"])
        assert by_protocol["kind"] == "hello" and by_protocol["subprotocol"] == "cityhub.live"
        only_token = live(hub, subprotocols=[f"bearer.{VIEWER}"])
        assert only_token["kind"] == "hello"


def test_live_stream_refuses_other_sites(web_hub: HubFactory) -> None:
    with web_hub(viewer_token=VIEWER) as hub:
        host = hub.url.removeprefix("http://")
        assert live(hub, f"?token={VIEWER}", origin="https://evil.example") == 403
        assert live(hub, f"?token={VIEWER}", origin=f"http://{host}")["kind"] == "hello"
