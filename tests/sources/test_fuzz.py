"""Property-based fuzzing of every adapter: whatever bytes arrive, an adapter either maps them to events
that pass their schema or refuses them with NativeRejected — no other exception, ever."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.base import Adapter, NativeRejected, conform
from adapters.registry import ADAPTERS
from tests.sources.conftest import golden_pairs, messages

ALL = sorted(ADAPTERS.values(), key=lambda a: a.name)
FUZZ = settings(max_examples=int(os.environ.get("CITYHUB_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def samples(adapter: Adapter) -> list[bytes]:
    return [m for raw, _ in golden_pairs(adapter) for m in messages(adapter, raw.read_bytes())]


def survive(adapter: Adapter, raw: bytes) -> None:
    try:
        events = adapter.adapt(raw)
    except NativeRejected as reason:
        assert str(reason)
        return
    for event in events:
        assert event["type"] in adapter.event_types
        conform(event)


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes(adapter: Adapter, raw: bytes) -> None:
    survive(adapter, raw)


@pytest.mark.parametrize("adapter", ALL, ids=lambda a: a.name)
@FUZZ
@given(data=st.data())
def test_mutated_real_messages(adapter: Adapter, data: st.DataObject) -> None:
    message = bytearray(data.draw(st.sampled_from(samples(adapter))))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(0, len(message) - 1)))
        action = data.draw(st.sampled_from(("flip", "drop", "insert", "cut")))
        if action == "flip" and message:
            message[at] = data.draw(st.integers(0, 255))
        elif action == "drop" and message:
            del message[at]
        elif action == "insert":
            message[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del message[at:]
    survive(adapter, bytes(message))


def json_paths(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += json_paths(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += json_paths(value, (*path, i))
    return found


JSON_ADAPTERS = [a for a in ALL if all(m.lstrip()[:1] in (b"{", b"[") for m in samples(a))]


@pytest.mark.parametrize("adapter", JSON_ADAPTERS, ids=lambda a: a.name)
@FUZZ
@given(data=st.data())
def test_json_fields_of_the_wrong_kind(adapter: Adapter, data: st.DataObject) -> None:
    doc = json.loads(data.draw(st.sampled_from(samples(adapter))))
    path = data.draw(st.sampled_from(json_paths(doc)))
    value = data.draw(JSON_VALUES)
    if not path:
        doc = value
    else:
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    survive(adapter, json.dumps(doc, ensure_ascii=False).encode())
