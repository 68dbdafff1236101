"""The audit log's hash chain: it holds as rows are appended, and `cityhub audit verify` names the first row
changed or deleted in the database (exit 1), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from hub.cli import main
from hub.people import People

pytestmark = pytest.mark.integration


def fill(people: People, n: int = 5) -> None:
    for i in range(n):
        people.audit.append(f"user{i}", "case.step", str(100 + i), {"to": "registered", "note": f"立案 {i}"},
                            "10.0.0.1")


def verify(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", url])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_chain_holds_and_is_searched(people: People, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(db_url, capsys) == (0, "audit chain holds: 0 rows\n")
    fill(people)
    assert people.audit.verify() == (5, None)
    assert verify(db_url, capsys) == (0, "audit chain holds: 5 rows\n")
    rows = people.audit.search(who="user3")
    assert [r["target"] for r in rows] == ["103"] and rows[0]["detail"]["note"] == "立案 3"
    assert [r["seq"] for r in people.audit.search(action="case.step", limit=2)] == [5, 4]


@pytest.mark.parametrize(("tamper", "row", "why"), [
    ("UPDATE audit_log SET who = 'someone else' WHERE seq = 3", 3, "changed"),
    ("UPDATE audit_log SET detail = '{}' WHERE seq = 1", 1, "changed"),
    ("DELETE FROM audit_log WHERE seq = 2", 2, "missing"),
    ("DELETE FROM audit_log WHERE seq = 5", 5, "missing"),  # the tail: the head still records row 5
])
def test_a_changed_or_deleted_row_is_named(people: People, db_url: str, capsys: pytest.CaptureFixture[str],
                                           tamper: str, row: int, why: str) -> None:
    fill(people)
    people.db.execute(tamper)
    code, said = verify(db_url, capsys)
    assert code == 1 and f"broken at row {row}" in said and why in said, said


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(people: People, db_url: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from hub.people.audit import row_hash

    fill(people)
    forged = people.db.one("SELECT * FROM audit_log WHERE seq = 2")
    assert forged is not None
    forged["who"] = "nobody"
    people.db.execute("UPDATE audit_log SET who = ?, hash = ? WHERE seq = 2",
                      ("nobody", row_hash(forged["prev_hash"], forged)))
    code, said = verify(db_url, capsys)
    assert code == 1 and "broken at row 3" in said
