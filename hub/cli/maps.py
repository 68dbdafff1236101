"""`cityhub map snapshot`: a self-contained HTML map of a period (events on the city's own geography)
that opens offline — the deck.gl bundle is inlined, nothing is fetched from anywhere."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PAGE = 5000
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def register(commands: Any) -> None:
    top = commands.add_parser("map", help="the live map's offline snapshots")
    sub = top.add_subparsers(dest="map_command", required=True, parser_class=type(top))
    snap = sub.add_parser("snapshot", help="write a self-contained HTML map of a period")
    snap.add_argument("--since", default="1h", type=checked("since"),
                      help="a duration back from now (30m, 1h, 2d) or an RFC 3339 time")
    snap.add_argument("--until", type=checked("until"), help="an RFC 3339 time (default: now)")
    snap.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    source = snap.add_mutually_exclusive_group()
    source.add_argument("--hub", help="read the period from a running hub's history API, e.g. http://127.0.0.1:8000")
    source.add_argument("--db", help="read the period from the store: sqlite:///PATH or postgresql://…")
    snap.add_argument("--token", default=os.environ.get("CITYHUB_TOKEN"),
                      help="viewer token for --hub when the hub requires one (default: $CITYHUB_TOKEN)")
    snap.add_argument("--max-events", type=int, default=100_000, help="stop reading after this many events")
    snap.add_argument("--title", default="江门市城市运行一网统管 · 事件快照")
    snap.set_defaults(func=run_snapshot)


def checked(name: str) -> Any:
    """An argparse type: refuse a bad time at parse time (exit 2), keep the text."""
    def check(text: str) -> str:
        try:
            moment(text, datetime.now(UTC), name)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        return text
    return check


def moment(text: str, now: datetime, name: str) -> datetime:
    """A duration back from `now` ("1h") or an RFC 3339 time with an offset."""
    found = DURATION.match(text.strip())
    if found:
        return now - timedelta(seconds=float(found.group(1)) * UNIT_S[found.group(2)])
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--{name} must be a duration like 30m, 1h, 2d or an RFC 3339 time, not {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"--{name} needs a UTC offset: {text!r}")
    return value


def flat(event: dict[str, Any]) -> dict[str, Any]:
    """A normalized event (CloudEvent + hub block) as the map draws it."""
    hub = event.get("hub") or {}
    kind = str(event.get("type", ""))
    return {
        "uid": hub.get("uid"), "type": kind, "domain": kind.split(".")[1] if "." in kind else "",
        "time": event.get("time", ""), "lon": hub.get("lon"), "lat": hub.get("lat"),
        "severity": hub.get("severity", 0), "grid_code": hub.get("grid_code"),
        "district_name": hub.get("district_name"), "address": hub.get("standard_address"),
    }


def from_hub(url: str, since: datetime, until: datetime, token: str | None, limit: int) -> Iterator[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params: dict[str, Any] | None = {"since": since.isoformat(), "until": until.isoformat(), "limit": PAGE}
    href: str | None = url.rstrip("/") + "/api/events"
    seen = 0
    with httpx.Client(timeout=60, headers=headers) as client:
        while href and seen < limit:
            reply = client.get(href, params=params)
            if reply.status_code != 200:
                raise RuntimeError(f"{href}: HTTP {reply.status_code} {reply.text[:200]}")
            doc = reply.json()
            for feature in doc.get("features", []):
                seen += 1
                yield feature["properties"]
            href = next((link["href"] for link in doc.get("links", []) if link.get("rel") == "next"), None)
            params = None  # the next link carries the query


def from_store(url: str, since: datetime, until: datetime, limit: int) -> Iterator[dict[str, Any]]:
    from hub.store import EventQuery, open_store

    store = open_store(url)
    try:
        cursor, seen = None, 0
        while seen < limit:
            page = store.events(EventQuery(since=since.timestamp(), until=until.timestamp(), limit=PAGE, before=cursor))
            seen += len(page.items)
            yield from page.items
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    finally:
        store.close()


def run_snapshot(args: argparse.Namespace) -> int:
    from hub.api.mapview import snapshot_page
    from hub.geo import load_city
    from hub.settings import load_settings

    now = datetime.now(UTC)
    until = moment(args.until, now, "until") if args.until else now
    since = moment(args.since, until if args.until else now, "since")
    if since >= until:
        raise ValueError("--since must be before --until")
    if args.hub:
        found = from_hub(args.hub, since, until, args.token, args.max_events)
    else:
        found = from_store(args.db or load_settings().store_url, since, until, args.max_events)
    events = [flat(e) for e in found][: args.max_events]
    subtitle = f"{since.astimezone(CHINA):%Y-%m-%d %H:%M} — {until.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）"
    page = snapshot_page(load_city(), events, args.title, subtitle)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    placed = sum(1 for e in events if e["lon"] is not None)
    print(json.dumps({"out": str(args.out), "events": len(events), "on_map": placed, "since": since.isoformat(),
                      "until": until.isoformat(), "bytes": len(page.encode())}, ensure_ascii=False))
    if sys.stderr.isatty():
        print(f"cityhub: wrote {args.out} ({len(events)} events)", file=sys.stderr)
    return 0
