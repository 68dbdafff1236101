"""Data quality per source over HTTP: completeness, timeliness, validity and duplicates over a sliding window,
with the levels a source must keep and what it falls short of."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import CityReaderDep, HubDep
from hub.health.levels import shortfalls
from hub.health.quality import BUCKET_S, KEEP, duration_s

router = APIRouter(prefix="/api/quality", tags=["quality"])
Window = Annotated[str, Query(max_length=10, description="sliding window: 90s, 15m, 1h … up to 24h")]
Source = Annotated[str | None, Query(max_length=100, description="one source (adapter name); all when absent")]


@router.get("")
def quality(hub: HubDep, _: CityReaderDep, source: Source = None, window: Window = "1h") -> dict[str, Any]:
    try:
        window_s = duration_s(window)
    except ValueError as err:
        raise HTTPException(422, f"window: {err}") from None
    if not BUCKET_S <= window_s <= KEEP * BUCKET_S:
        raise HTTPException(422, f"window must be between {BUCKET_S} s and {KEEP * BUCKET_S // 3600} h")
    monitoring, now = hub.monitoring, time.time()
    known = monitoring.quality.sources()
    if source is not None and source not in known:
        raise HTTPException(404, f"no figures for source {source!r}; sources: {', '.join(known)}")
    levels = monitoring.quality_alarms.levels
    items = []
    for name in [source] if source else known:
        figures = monitoring.quality.figures(name, window_s, now)
        items.append(figures | {"below_levels": shortfalls(figures, levels),
                                "alarm_incident": monitoring.quality_alarms.open.get(name)})
    return {"window_s": window_s, "levels": vars(levels), "sources": items}
