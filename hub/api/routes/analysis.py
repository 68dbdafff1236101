"""The event analysis views (事件分析图谱) behind the map's charts: counts by place, kind and time,
trends, cross tables, top recurring cells, and the incidents by department, state and overdue."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError

from hub.api.areas import area_columns, incident_filters
from hub.api.deps import HubDep, Limit, ReaderDep, Time, ViewerDep, Word, invalid, when
from hub.api.routes.events import StatsBy
from hub.incidents.store import GROUPABLE
from hub.incidents.views import summary
from hub.store.base import STATS_BY

router = APIRouter(prefix="/api/analysis", tags=["analysis"])
DAY = 86400.0
CountBy = Annotated[str, PathParam(max_length=40, description=f"one of {', '.join(STATS_BY)}; any other is 404")]
IncidentsBy = Annotated[str, PathParam(max_length=40, description=f"one of {', '.join(GROUPABLE)}; any other is 404")]
VIEWS = [
    ("counts/district", "事件按区县统计"), ("counts/town", "事件按镇街统计"), ("counts/grid", "事件按单元网格统计"),
    ("counts/domain", "事件按领域统计"), ("counts/type", "事件按类型统计"), ("counts/hour", "事件按小时统计"),
    ("counts/department", "事件按责任部门统计"), ("counts/severity", "事件按等级统计"),
    ("trend?bucket=hour", "24小时趋势"), ("trend?bucket=day", "30天趋势"),
    ("crosstab?rows=district&columns=domain", "区县×领域交叉统计"), ("top-cells", "高发网格（问题反复出现的单元网格）"),
    ("incidents/open-by-department", "在办案卷按责任部门"), ("incidents/by/state", "案卷按流程状态"),
    ("incidents/by/kind", "案卷按类别"), ("incidents/overdue", "超时案卷"),
]


def refused(err: ValueError, name: str = "query") -> RequestValidationError:
    """What the store refuses of a valid-looking query (a range of too many buckets): 422, one shape."""
    return invalid(name, str(err))


@router.get("")
def views(request: Request, _: ViewerDep) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + "/api/analysis/"
    return {"views": [{"name": name, "href": base + path} for path, name in VIEWS]}


@router.get("/counts/{by}")
def counts(by: CountBy, hub: HubDep, who: ReaderDep, since: Time = None, until: Time = None,
           domain: Word = None, limit: Limit | None = None) -> dict[str, Any]:
    if by not in STATS_BY:
        raise HTTPException(404, f"no count by {by!r}; by: {', '.join(STATS_BY)}")
    try:
        rows = hub.store.stats(by, when(since, "since"), when(until, "until"), domain or None, limit,
                               area_columns(who))
    except ValueError as err:
        raise refused(err) from None
    return {"by": by, "counts": rows, "total": sum(r["count"] for r in rows)}


@router.get("/trend")
def trend(hub: HubDep, who: ReaderDep, bucket: Literal["hour", "day"] = "hour", since: Time = None,
          until: Time = None, by: StatsBy | None = None, domain: Word = None) -> dict[str, Any]:
    """Counts per hour (default: the last 24 h) or per local day (default: the last 30 days)."""
    end = when(until, "until")
    end = float(int(time.time()) + 1) if end is None else end  # the epoch itself (0.0) is a time, not "none"
    start = when(since, "since")
    start = end - (30 * DAY if bucket == "day" else DAY) if start is None else start
    try:
        return {"bucket": bucket, "by": by, "series": hub.store.trend(start, end, bucket, by, domain or None,
                                                                             area_columns(who))}
    except ValueError as err:
        raise refused(err, "since") from None


@router.get("/crosstab")
def crosstab(hub: HubDep, who: ReaderDep, rows: StatsBy = "district", columns: StatsBy = "domain",
             since: Time = None, until: Time = None, domain: Word = None) -> dict[str, Any]:
    try:
        cells = hub.store.crosstab(rows, columns, when(since, "since"), when(until, "until"), domain or None,
                                   area_columns(who))
    except ValueError as err:
        raise refused(err, "columns") from None
    return {"rows": rows, "columns": columns, "cells": cells}


@router.get("/top-cells")
def top_cells(hub: HubDep, who: ReaderDep, since: Time = None, until: Time = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 20, domain: Word = None) -> dict[str, Any]:
    """The unit-grid cells where events recur most (高发网格)."""
    return {"cells": hub.store.top_cells(when(since, "since"), when(until, "until"), limit, domain or None,
                                         area_columns(who))}


@router.get("/incidents/open-by-department")
def open_by_department(hub: HubDep, who: ReaderDep) -> dict[str, Any]:
    store, area = hub.incidents.store, incident_filters(who)
    overdue = {r["key"]: r["count"] for r in store.count_by("department", open_only=True, overdue=True, **area)}
    rows = store.count_by("department", open_only=True, **area)
    return {"departments": [{"department": r["key"], "open": r["count"], "overdue": overdue.get(r["key"], 0)}
                            for r in rows]}


@router.get("/incidents/by/{by}")
def incidents_by(by: IncidentsBy, hub: HubDep, who: ReaderDep, open_only: bool = False) -> dict[str, Any]:
    if by not in GROUPABLE:
        raise HTTPException(404, f"no incident count by {by!r}; by: {', '.join(GROUPABLE)}")
    return {"by": by, "counts": hub.incidents.store.count_by(by, open_only=open_only, **incident_filters(who))}


@router.get("/incidents/overdue")
def overdue(hub: HubDep, who: ReaderDep, limit: Limit = 100) -> dict[str, Any]:
    found, _more = hub.incidents.store.search(overdue=True, open_only=True, limit=limit, **incident_filters(who))
    return {"items": [summary(i) for i in found], "numberReturned": len(found)}
