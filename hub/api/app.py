"""The hub's HTTP face (FastAPI): health, history, dead letters, the live stream and the map."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import pydeck
from fastapi import Depends, FastAPI, HTTPException, Query, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from hub.api.areas import area_columns, event_filters, inside
from hub.api.deps import CityReaderDep, ReaderDep, live_principal, parse_bbox, viewer, when
from hub.api.mapview import STATIC, map_page
from hub.api.routes.alarms import router as alarms_router
from hub.api.routes.analysis import router as analysis_router
from hub.api.routes.asyncapi import router as asyncapi_router
from hub.api.routes.audit import router as audit_router
from hub.api.routes.auth import router as auth_router
from hub.api.routes.command import router as command_router
from hub.api.routes.devices import router as devices_router
from hub.api.routes.exchange import router as exchange_router
from hub.api.routes.forecasts import router as forecasts_router
from hub.api.routes.geo import router as geo_router
from hub.api.routes.incidents import router as incidents_router
from hub.api.routes.map import router as map_router
from hub.api.routes.notifications import router as notifications_router
from hub.api.routes.ogc import router as ogc_router
from hub.api.routes.quality import router as quality_router
from hub.api.routes.work import router as work_router
from hub.api.security import secure
from hub.runtime import Hub
from hub.store import EventQuery, Page

DECKGL_BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"
Limit = Annotated[int, Query(ge=1, le=10_000)]


def next_links(request: Request, page: Page, cursor: str = "before") -> list[dict[str, str]]:
    if page.next_cursor is None:
        return []
    href = str(request.url.include_query_params(**{cursor: page.next_cursor}))
    return [{"rel": "next", "type": "application/geo+json", "href": href}]


def feature(event: dict[str, Any]) -> dict[str, Any]:
    hub = event.get("hub") or {}
    point = {"type": "Point", "coordinates": [hub["lon"], hub["lat"]]} if hub.get("lon") is not None else None
    return {"type": "Feature", "id": hub.get("uid"), "geometry": point, "properties": event}


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
    ):
        app.include_router(router)
    app.mount("/static/hub", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return hub.health()

    @app.get("/api/events")
    def events(request: Request, who: ReaderDep, type: str | None = None, domain: str | None = None,
               district: str | None = None, grid: str | None = None, bbox: str | None = None,
               since: str | None = None, until: str | None = None, limit: Limit = 100,
               before: int | None = None) -> dict[str, Any]:
        area = event_filters(who, district, grid)
        query = EventQuery(type, domain, area["district"], area["grid"], parse_bbox(bbox), when(since, "since"),
                           when(until, "until"), limit, before, area["department"])
        page = hub.store.events(query)
        return {"type": "FeatureCollection", "features": [feature(e) for e in page.items],
                "numberReturned": len(page.items), "links": next_links(request, page)}

    @app.get("/api/events/{uid}")
    def event(uid: str, request: Request, who: ReaderDep) -> dict[str, Any]:
        found = hub.store.event(uid)
        if found is None:
            raise HTTPException(404, f"no event {uid}")
        inside(who, found.get("hub") or {}, f"event {uid}")
        hub.people.audit.append(who.who, "event.raw", str((found.get("hub") or {}).get("uid") or uid),
                                address=request.client.host if request.client else "")
        return found

    @app.get("/api/deadletters")
    def deadletters(request: Request, _: CityReaderDep, limit: Limit = 100,
                    before: int | None = None) -> dict[str, Any]:
        page = hub.store.deadletters(limit, before)
        return {"items": page.items, "links": next_links(request, page)}

    @app.get("/api/stats")
    def stats(who: ReaderDep, by: str = "district", since: str | None = None) -> dict[str, Any]:
        try:
            return {"by": by, "counts": hub.store.stats(by, when(since, "since"), area=area_columns(who))}
        except ValueError as err:
            raise HTTPException(400, str(err)) from None

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
