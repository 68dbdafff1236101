"""The outbox: notices commit or roll back with the incident step that causes them; leases keep two
senders off the same notice; a notice key is queued once however often its cause is seen."""

from __future__ import annotations

import pytest

from hub.incidents import open_incidents
from hub.incidents.model import Step
from hub.incidents.store import IncidentStore
from hub.notify.outbox import Notice, Outbox
from tests.incidents.factory import T0, waterlogging


def notice(key: str, incident_id: int | None = None) -> Notice:
    return Notice(key, "dispatched", "email", "r1", "duty@example.org", "【派遣】测试", "正文", incident_id)


def opened(db_url: str):  # type: ignore[no-untyped-def]
    engine = open_incidents(db_url, clock=lambda: T0)
    [incident] = engine.absorb([waterlogging(30)])
    return engine, incident


def test_a_notice_commits_with_its_step_and_rolls_back_with_it(db_url: str) -> None:
    engine, incident = opened(db_url)
    outbox = Outbox(engine.store.db)
    fail = {"now": False}

    def listener(store: IncidentStore, steps: list[Step]) -> None:
        outbox.add([notice(f"step/{s.incident_id}/{s.to_state}", s.incident_id) for s in steps
                    if s.action == "transition"], T0)
        if fail["now"]:
            raise RuntimeError("the process dies inside the step's transaction")

    engine.store.step_listeners.append(listener)
    engine.transition(incident.id, "registered")
    assert [n["key"] for n in outbox.search()] == [f"step/{incident.id}/registered"]
    fail["now"] = True
    with pytest.raises(RuntimeError):
        engine.transition(incident.id, "dispatched")
    assert [n["key"] for n in outbox.search()] == [f"step/{incident.id}/registered"]
    assert engine.store.get(incident.id).state == "registered"  # type: ignore[union-attr]
    assert [s["to_state"] for s in engine.store.steps(incident.id)] == ["reported", "registered"]
    engine.close()


def test_a_key_is_queued_once(db_url: str) -> None:
    engine, _ = opened(db_url)
    outbox = Outbox(engine.store.db)
    with engine.store.db.exclusive():
        assert outbox.add([notice("k1"), notice("k2")], T0) == 2
    with engine.store.db.exclusive():
        assert outbox.add([notice("k1"), notice("k3")], T0) == 1
    assert sorted(n["key"] for n in outbox.search()) == ["k1", "k2", "k3"]
    engine.close()


def test_two_senders_never_hold_the_same_notice(db_url: str) -> None:
    engine, _ = opened(db_url)
    outbox = Outbox(engine.store.db)
    with engine.store.db.exclusive():
        outbox.add([notice(f"k{i}") for i in range(10)], T0)
    first = outbox.claim("a", T0, 60, limit=6)
    second = outbox.claim("b", T0, 60, limit=6)
    assert len(first) == 6 and len(second) == 4
    assert not {n.key for n in first} & {n.key for n in second}
    assert outbox.claim("c", T0 + 30, 60) == []  # leases still run
    assert not outbox.sent(first[0], "b", T0)  # only the holder records it
    assert outbox.sent(first[0], "a", T0)
    retaken = outbox.claim("c", T0 + 61, 60)  # a dead sender's leases ran out
    assert len(retaken) == 9 and first[0].key not in {n.key for n in retaken}
    engine.close()
