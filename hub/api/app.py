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

from hub.api.deps import live_principal, viewer
from hub.api.errors import one_validation_shape
from hub.api.mapview import STATIC, map_page
from hub.api.routes.alarms import router as alarms_router
from hub.api.routes.analysis import router as analysis_router
from hub.api.routes.asyncapi import router as asyncapi_router
from hub.api.routes.audit import router as audit_router
from hub.api.routes.auth import router as auth_router
from hub.api.routes.command import router as command_router
from hub.api.routes.devices import router as devices_router
from hub.api.routes.evaluation import router as evaluation_router
from hub.api.routes.events import router as events_router
from hub.api.routes.exchange import router as exchange_router
from hub.api.routes.forecasts import router as forecasts_router
from hub.api.routes.geo import router as geo_router
from hub.api.routes.incidents import router as incidents_router
from hub.api.routes.map import router as map_router
from hub.api.routes.meta import router as meta_router
from hub.api.routes.notifications import router as notifications_router
from hub.api.routes.ogc import router as ogc_router
from hub.api.routes.quality import router as quality_router
from hub.api.routes.work import router as work_router
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
    one_validation_shape(app)
    app.state.hub = hub  # the routers of hub/api/routes/*.py reach the running hub through hub.api.deps.HubDep
    app.include_router(geo_router, dependencies=READ)
    for router in (
        incidents_router,
        ogc_router,
        analysis_router,
        asyncapi_router,
        map_router,
        auth_router,
        work_router,
        alarms_router,
        audit_router,
        devices_router,
        quality_router,
        forecasts_router,
        notifications_router,
        exchange_router,
        command_router,
        events_router,
        evaluation_router,
        meta_router,
    ):
        app.include_router(router)
    app.mount("/static/hub", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return hub.health()

    @app.websocket("/ws/live")
    async def live(websocket: WebSocket) -> None:
        who = await asyncio.to_thread(live_principal, hub, websocket.scope)  # the gate let it in: never None
        await hub.live.serve(websocket, who.area if who else None)

    @app.get("/static/deckgl.js", include_in_schema=False)
    def deckgl() -> FileResponse:
        return FileResponse(DECKGL_BUNDLE, media_type="text/javascript")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return map_page(hub.geo)

    return app
