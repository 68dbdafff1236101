"""One shape for every validation error. FastAPI answers a bad parameter 422 with
`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`, the shape `/openapi.json` declares for 422;
a handler that refuses a value itself (`HTTPException(422, "reason")`) is answered in that same shape,
so a client reads every refusal one way. Other statuses keep FastAPI's `{"detail": "reason"}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException


def as_errors(detail: Any) -> list[dict[str, Any]]:
    """A 422's detail as FastAPI's list of validation errors, each with `loc`, `msg` and `type`."""
    rows = detail if isinstance(detail, list) else [{"msg": str(detail)}]
    errors = []
    for row in rows:
        row = row if isinstance(row, dict) else {"msg": str(row)}
        loc = row.get("loc")
        where = [p if isinstance(p, int) else str(p) for p in loc] if isinstance(loc, (list, tuple)) and loc else []
        errors.append({"loc": where or ["request"], "msg": str(row.get("msg", "")),
                       "type": str(row.get("type", "value_error"))})
    return errors


def one_validation_shape(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 422:
            return JSONResponse({"detail": as_errors(exc.detail)}, 422, headers=exc.headers)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(HTTPException, handle)
