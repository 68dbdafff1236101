"""The envelope's fast accept (`hub.schemas.envelope_fast`) never accepts what the full validator refuses,
and accepts the ordinary events, so the full validator runs only to word a refusal."""

from __future__ import annotations

import copy
from typing import Any

import fastjsonschema
import orjson
import pytest

from bench.load import build_load
from hub import schemas
from tests.hostile import corpus_files


def _full_accepts(ce: Any) -> bool:
    try:
        schemas.validator(schemas.ENVELOPE)(ce)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _variants(ce: dict[str, Any]) -> list[Any]:
    """The event with each attribute missing, mistyped or bent out of its schema's bounds."""
    bent: list[Any] = [None, 1, 1.0, True, "", "x" * 300, [], {}, "1.0 ", "/jiangmen/water/a\n",
                       "2026-02-30T10:00:00Z", "2026-01-01 10:00:00Z", "2026-01-01T10:00:00", "city.Water.level",
                       "/jiangmen/water", "application/json", "text/plain"]
    out: list[Any] = []
    for name in [*ce, "subject", "datacontenttype", "dataschema"]:
        gone = dict(ce)
        gone.pop(name, None)
        out.append(gone)
        for value in bent:
            out.append(ce | {name: value})
    return out


def _load_events() -> list[dict[str, Any]]:
    return [orjson.loads(payload) for _, _, payload in build_load(300, run_tag="fast").items]


def test_the_envelope_schema_is_within_what_the_fast_accept_knows() -> None:
    assert schemas.envelope_fast() is not None  # else every event pays for the full validator again


def test_fast_accept_takes_the_ordinary_events() -> None:
    accept = schemas.envelope_fast()
    assert accept is not None
    events = _load_events()
    assert events and all(accept(ce) for ce in events)


@pytest.mark.parametrize("seed", range(3))
def test_fast_accept_never_takes_what_the_validator_refuses(seed: int) -> None:
    accept = schemas.envelope_fast()
    assert accept is not None
    refused = 0
    for ce in _load_events()[seed::3][:40]:
        for variant in _variants(copy.deepcopy(ce)):
            full = _full_accepts(variant)
            refused += not full
            assert not accept(variant) or full, variant
            if full:
                assert accept(variant), variant  # nothing the schema takes goes the slow way
    assert refused


def test_fast_accept_remembers_only_sources_and_types_that_passed() -> None:
    accept = schemas.envelope_fast()
    assert accept is not None
    ce = _load_events()[0]
    assert accept(ce) and accept(ce)
    for name in ("source", "type"):
        for bad in (ce[name] + "\n", ce[name] + " ", "x" * 300, ce[name].upper()):
            assert not accept(ce | {name: bad}) and not accept(ce | {name: bad}), (name, bad)

    class Text(str):
        pass

    bent = ce | {"source": Text(ce["source"])}
    assert not accept(bent) or _full_accepts(bent)  # only exact strings are remembered


def test_fast_accept_on_the_hostile_corpus() -> None:
    accept = schemas.envelope_fast()
    assert accept is not None
    for entry in corpus_files.hub_entries():
        try:
            body = orjson.loads(entry.payload)
        except orjson.JSONDecodeError:
            continue
        if isinstance(body, dict):
            assert not accept(body) or _full_accepts(body), entry.file


def test_event_uid_is_a_version_8_uuid_of_the_event_time_and_a_hash_of_source_and_id() -> None:
    import hashlib
    import uuid

    from hub.events import event_uid

    at = 1795823532.619  # 2026-11-28T00:32:12.619Z
    for source, event_id in [("/jiangmen/water/hydro/g1", "1"), ("/jiangmen/fire/x/设备", "id#é/9"), ("/a", "")]:
        uid = uuid.UUID(event_uid(source, event_id, at))
        assert (uid.version, uid.variant) == (8, uuid.RFC_4122)
        assert uid.int >> 80 == 1795823532619  # the first 48 bits: Unix milliseconds
        digest = int(hashlib.sha1(f"cityhub:{len(source)}:{source}#{event_id}".encode()).hexdigest(), 16)
        hashed = (uid.int >> 64 & 0xFFF) << 62 | uid.int & (2**62 - 1)  # the 74 bits after version and variant
        assert hashed == digest >> 86
        assert str(uid) == event_uid(source, event_id, at)  # canonical form: lower-case hex with dashes
    # a "#" in a source or an id does not make two events one (the uuid5 of "<source>#<id>" before did)
    assert event_uid("/jiangmen/a#", "b", at) != event_uid("/jiangmen/a", "#b", at)
