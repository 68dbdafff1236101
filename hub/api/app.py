"""The hub's HTTP face (FastAPI): the routers of `hub/api/routes/`, health, the live stream and the map."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pydeck
from fastapi import Depends, FastAPI, WebSocket
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from hub.api.deps import viewer
from hub.api.mapview import STATIC, map_page
from hub.api.routes.analysis import router as analysis_router
from hub.api.routes.asyncapi import router as asyncapi_router
from hub.api.routes.events import router as events_router
from hub.api.routes.geo import router as geo_router
from hub.api.routes.incidents import router as incidents_router
from hub.api.routes.map import router as map_router
from hub.api.routes.meta import router as meta_router
from hub.api.routes.ogc import router as ogc_router
from hub.api.security import secure
from hub.runtime import Hub

DECKGL_BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"


READ = [Depends(viewer)]  # with a viewer token configured, reads need it (hub/api/deps.py)


def create_app(hub: Hub) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.live.bind(asyncio.get_running_loop())
        await asyncio.to_thread(hub.start)
        yield
        await asyncio.to_thread(hub.stop)

    app = FastAPI(title="CityHub — Jiangmen 一网统管", version="0.1.0", lifespan=lifespan)
    secure(app, hub.settings)
    app.state.hub = hub  # the routers of hub/api/routes/*.py reach the running hub through hub.api.deps.HubDep
    app.include_router(geo_router, dependencies=READ)
    for router in (events_router, incidents_router, ogc_router, analysis_router, asyncapi_router, map_router,
                   meta_router):
        app.include_router(router)
    app.mount("/static/hub", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return hub.health()

    @app.websocket("/ws/live")
    async def live(websocket: WebSocket) -> None:
        await hub.live.serve(websocket)

    @app.get("/static/deckgl.js", include_in_schema=False)
    def deckgl() -> FileResponse:
        return FileResponse(DECKGL_BUNDLE, media_type="text/javascript")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return map_page(hub.geo)

    return app
