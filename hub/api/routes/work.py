"""The signed-in user's work queue (the mobile end): their cases by todo, doing, overdue and done, with
deadlines and the steps their role may take."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query

from hub.api.areas import incident_filters
from hub.api.deps import HubDep, ReaderDep
from hub.api.routes.incidents import for_caller
from hub.incidents.views import summary

router = APIRouter(tags=["people"])


class Queue(StrEnum):
    todo = "todo"
    doing = "doing"
    overdue = "overdue"
    done = "done"


@router.get("/api/work")
def work(hub: HubDep, who: ReaderDep, state: Queue = Queue.todo,
         limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict[str, Any]:
    """The caller's cases in one queue, the nearest deadline first; `seconds_left` counts down to each."""
    queues = hub.people.duties.queue(who.role)
    area, store, found = incident_filters(who), hub.incidents.store, []
    if state is Queue.overdue:
        states = {*queues.get("todo", ()), *queues.get("doing", ())}
        found = [i for i in store.search(overdue=True, open_only=True, limit=limit, **area)[0] if i.state in states]
    else:
        for name in queues.get(state.value, ()):
            found += store.search(state=name, limit=limit, **area)[0]
    found.sort(key=lambda i: (i.due_at is None, i.due_at or 0, -(i.id or 0)))
    now = time.time()
    items = [for_caller(hub, who, summary(i)) | {"seconds_left": None if i.due_at is None else round(i.due_at - now)}
             for i in found[:limit]]
    return {"queue": state.value, "states": list(queues.get(state.value, ())), "items": items,
            "numberReturned": len(items), "user": who.to_dict()}
