"""The rows a batch is stored as: built in one pass, the same as one event's row, repeats dropped."""

from __future__ import annotations

import orjson
import pytest

from hub.events import Event, Message
from hub.store.base import BODY, EVENT_COLUMNS, RAW, TIME, UID
from hub.store.sql import event_row, event_rows
from tests.store.cases import JIANGHAI, NOW_HOUR, make_event


def test_a_batch_is_its_events_rows_without_repeats_first_one_wins() -> None:
    first = make_event("a", NOW_HOUR - 100)
    batch = [first, make_event("b", NOW_HOUR - 50, where=JIANGHAI), make_event("a", NOW_HOUR - 10),
             make_event("c", NOW_HOUR - 5, kind="city.fire.alarm")]
    unique, rows = event_rows(batch)
    assert [id(e) for e in unique] == [id(batch[0]), id(batch[1]), id(batch[3])]
    assert rows == [event_row(e) for e in unique]
    assert all(len(row) == len(EVENT_COLUMNS) for row in rows)
    assert rows[0][TIME] == NOW_HOUR - 100 and rows[2][EVENT_COLUMNS.index("domain")] == "fire"
    assert rows[0][UID] == first.hub.uid  # type: ignore[union-attr]
    assert orjson.loads(rows[0][BODY]) == first.normalized() and rows[0][RAW] == first.message.payload


def test_a_row_reads_every_column_of_the_hub_block() -> None:
    event = make_event("x", NOW_HOUR - 1)
    row = dict(zip(EVENT_COLUMNS, event_row(event), strict=True))
    hub = event.hub
    assert hub is not None
    for column in ("uid", "received_at", "lon", "lat", "grid_code", "town_code", "district_code", "severity",
                   "department"):
        assert row[column] == getattr(hub, column), column
    assert (row["source"], row["id"], row["type"]) == (*event.key, event.ce["type"])


def test_time_is_parsed_when_decode_did_not_and_an_event_without_hub_block_is_refused() -> None:
    event = make_event("t", NOW_HOUR - 7)
    event.epoch = None
    assert event_rows([event])[1][0][TIME] == NOW_HOUR - 7
    bare = Event({"source": "/s", "id": "1", "type": "city.water.level"}, Message(b"{}", "t", "mqtt"))
    with pytest.raises(ValueError, match="not normalized"):
        event_rows([event, bare])
