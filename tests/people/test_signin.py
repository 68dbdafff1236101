"""Users, sign-in tokens and the failed sign-in limit on SQLite and PostgreSQL, with a clock the test moves."""

from __future__ import annotations

import pytest

from hub.people import People
from hub.people.scopes import BadUser
from tests.people.conftest import Clock

pytestmark = pytest.mark.integration
PASSWORD = "long-enough-1"


def test_a_password_is_stored_as_an_argon2id_hash_and_checked(people: People) -> None:
    people.users.add("zhang", "district_operator", PASSWORD, district="440703")
    stored = people.db.one("SELECT password_hash FROM people_users WHERE name = 'zhang'")
    assert stored is not None and stored["password_hash"].startswith("$argon2id$") and PASSWORD not in str(stored)
    assert people.users.check_password("zhang", PASSWORD) is not None
    assert people.users.check_password("zhang", "wrong-password") is None
    assert people.users.check_password("nobody", PASSWORD) is None
    for bad in [("zhang", "city_operator", PASSWORD), ("li", "city_operator", "short"),
                ("operator", "leader", PASSWORD), ("a b", "leader", PASSWORD)]:
        with pytest.raises(BadUser):
            people.users.add(*bad)


def test_a_token_expires(people: People, clock: Clock) -> None:
    people.users.add("li", "leader", PASSWORD)
    issued = people.tokens.issue("li")
    assert people.principal(issued.token) is not None and people.principal(issued.token).name == "li"  # type: ignore[union-attr]
    clock.now += 3599
    assert people.principal(issued.token) is not None
    clock.now += 2
    assert people.principal(issued.token) is None
    assert people.principal("made-up") is None


def test_a_token_is_revoked_by_sign_out_and_by_disabling_the_user(people: People) -> None:
    people.users.add("wang", "inspector", PASSWORD)
    first, second = people.tokens.issue("wang"), people.tokens.issue("wang")
    assert people.tokens.revoke(first.token)
    assert people.principal(first.token) is None and people.principal(second.token) is not None
    assert people.users.disable("wang") and people.tokens.revoke_all("wang") == 1
    assert people.principal(second.token) is None
    assert people.users.check_password("wang", PASSWORD) is None  # a disabled user cannot sign in
    assert not people.users.any_active()


def test_failed_sign_ins_are_limited_per_user_and_per_address(people: People, clock: Clock) -> None:
    limit = people.limit  # 3 per user, 5 per address, in 600 s
    for _ in range(3):
        assert limit.retry_after("zhao", "10.0.0.1") is None
        limit.failed("zhao", "10.0.0.1")
    wait = limit.retry_after("zhao", "10.0.0.9")
    assert wait is not None and 0 < wait <= 600  # the user is locked from every address
    assert limit.retry_after("qian", "10.0.0.1") is None  # another user from the same address is heard
    limit.failed("qian", "10.0.0.1")
    limit.failed("sun", "10.0.0.1")
    assert limit.retry_after("li", "10.0.0.1") is not None  # five failures from the address: it is locked
    assert limit.retry_after("li", "10.0.0.2") is None
    clock.now += 601
    assert limit.retry_after("zhao", "10.0.0.1") is None  # the window moved on
    limit.failed("zhou", "10.0.0.3")
    limit.succeeded("zhou")
    assert people.db.one("SELECT count(*) AS n FROM people_signin_failures WHERE key = 'user:zhou'")["n"] == 0  # type: ignore[index]
