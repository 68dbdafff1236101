"""The hostile corpus (tests/hostile/corpus/, 250+ files): every bad message is refused with a clear reason
— by the hub into the dead-letter store, or by its adapter with NativeRejected — and nothing else is lost."""

from __future__ import annotations

import base64
import json

import orjson
import pytest

from adapters.base import NativeRejected
from adapters.registry import ADAPTERS
from hub.pipeline.decode import KEEP_RAW_BYTES
from tests.hostile import corpus_files, make_corpus
from tests.hostile.hubproc import HubProcess
from tests.security.mosquitto import Mosquitto
from tests.security.mqtt import Session, login
from tests.security.test_mqtt_acl import SPOOFER, own_events
from tests.support import wait_for


def test_corpus_has_200_cases_and_is_what_the_script_writes() -> None:
    hub = corpus_files.hub_entries()
    native = corpus_files.native_entries()
    assert len(hub) + sum(len(v) for v in native.values()) >= 200
    expected = [(name, topic, raw, expect) for name, topic, raw, expect in make_corpus.hub_cases()]
    assert [(e.topic, e.payload, e.expect) for e in hub] == [(t, r, x) for _, t, r, x in expected]
    written = make_corpus.native_cases.all_cases()
    assert {k: [(e.payload, e.expect) for e in v] for k, v in native.items()} == {
        k: [(raw, expect) for _, raw, expect in v] for k, v in written.items()}


@pytest.mark.parametrize("adapter", [a for a in corpus_files.native_entries() if a != "any"])
def test_adapter_refuses_its_hostile_native_messages(adapter: str) -> None:
    for entry in corpus_files.native_entries()[adapter]:
        with pytest.raises(NativeRejected) as refused:
            ADAPTERS[adapter].adapt(entry.payload)
        assert entry.expect in str(refused.value), f"{entry.file}: {refused.value}"


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
def test_no_adapter_maps_or_crashes_on_garbage(adapter: str) -> None:
    for entry in corpus_files.native_entries()["any"]:
        try:
            events = ADAPTERS[adapter].adapt(entry.payload)
        except NativeRejected:
            continue
        assert events == [], f"{adapter} made events of {entry.file}"


def dead_letters(hub: HubProcess) -> list[dict[str, object]]:
    return list(hub.get("/api/deadletters", limit=10_000).json()["items"])


def send(session: Session, entries: list[corpus_files.Entry]) -> None:
    """In order, on one connection (QoS 1 keeps the order); then wait for every PUBACK."""
    mids = [session.publish(entry.topic, entry.payload, wait=False) for entry in entries]
    for mid in mids:
        session.wait(mid)


@pytest.mark.integration
def test_hub_refuses_every_hostile_message_and_keeps_the_good_ones(big_packet_broker: Mosquitto,
                                                                  hub_process: HubProcess) -> None:
    """Through Mosquitto (packet limit 16 MB) to a hub process; its memory is read from /proc."""
    corpus = corpus_files.hub_entries()
    bad = [e for e in corpus if e.expect not in ("stored", "duplicate")]
    by_raw = {(e.topic, e.payload[:KEEP_RAW_BYTES]): e for e in bad}
    assert len(by_raw) == len(bad), "two hostile cases have the same bytes on the same topic"
    session = login(big_packet_broker.url(), "hostile-sender")
    warm_up = own_events(SPOOFER, 200)
    send(session, [corpus_files.Entry("", orjson.dumps(e), "stored", SPOOFER.topic) for e in warm_up])
    wait_for(lambda: hub_process.health()["totals"]["stored"] == 200, what="200 warm-up events stored")
    # the geography loads in the background (≈ 2 s, ≈ 100 MB): measure from after it, not through it
    wait_for(lambda: hub_process.health()["warm"], timeout=60, what="the hub's geography loaded")
    rss_before = hub_process.rss_mb()

    send(session, corpus)
    total = 200 + len(corpus)
    wait_for(lambda: sum(hub_process.health()["totals"][k] for k in ("stored", "duplicates", "dead")) == total,
             timeout=120,
             what=f"{total} messages stored, duplicate or dead-lettered")
    rss_after = hub_process.rss_mb()
    totals = hub_process.health()["totals"]
    assert totals.pop("batches") >= 1
    assert totals == {"stored": 200 + sum(e.expect == "stored" for e in corpus),
                      "duplicates": sum(e.expect == "duplicate" for e in corpus), "dead": len(bad)}

    letters = dead_letters(hub_process)
    assert len(letters) == len(bad)
    for letter in letters:
        raw = base64.b64decode(str(letter["raw"]))
        entry = by_raw.pop((letter["topic"], raw))
        assert str(letter["reason"]).startswith(entry.expect), f"{entry.file}: {letter['reason']}"
        assert letter["topic"] == entry.topic and letter["transport"] == "mqtt"
    assert by_raw == {}
    stored_ids = {f["properties"]["id"] for f in hub_process.get("/api/events", limit=1000).json()["features"]}
    good_ids = {json.loads(e.payload)["id"] for e in corpus if e.expect == "stored"}
    assert good_ids <= stored_ids and len(stored_ids) == 200 + len(good_ids)

    send(session, bad)  # the same onslaught again: memory must not grow with it
    wait_for(lambda: hub_process.health()["totals"]["dead"] == 2 * len(bad), timeout=120, what="second round")
    rss_again = hub_process.rss_mb()
    session.close()
    print(f"hub RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after the corpus, {rss_again:.0f} MB after "
          "it again")
    assert rss_after - rss_before < 300, (rss_before, rss_after)
    assert rss_again - rss_after < 100, (rss_after, rss_again)
