"""The people side of the map in headless Chromium against a real hub with one user per role: the sign-in
screen, a district user's map (their district only, the view on it), and a department user's queue on the
mobile layout with a countdown and the steps their role may take."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import MapPage, new_map_page
from tests.people.city import PASSWORD, PENGJIANG, TAISHAN, City, open_city

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def people_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    yield from open_city(tmp_path_factory.mktemp("people-page"), "")


def signed_in(browser: Any, city: City, name: str, width: int = 1440, height: int = 900) -> tuple[Any, MapPage]:
    context, page = new_map_page(browser, width, height)
    page.page.goto(city.hub.url + "/")
    page.wait("!document.getElementById('signin').hidden")  # users exist: the map asks who you are
    page.page.fill("#signin-user", name)
    page.page.fill("#signin-pass", PASSWORD)
    page.page.click("#signin-go")
    page.wait("window.CITYHUB && window.CITYHUB.connected && window.CH.people.me", timeout=90_000)
    return context, page


def test_a_wrong_password_is_refused_on_the_sign_in_screen(browser: Any, people_city: City) -> None:
    context, page = new_map_page(browser)
    try:
        page.page.goto(people_city.hub.url + "/")
        page.wait("!document.getElementById('signin').hidden")
        page.page.fill("#signin-user", "pj")
        page.page.fill("#signin-pass", "not-the-password")
        page.page.click("#signin-go")
        page.wait("document.getElementById('signin-msg').textContent.includes('登录失败')")
        assert page.js("sessionStorage.getItem('cityhub.token')") is None
    finally:
        context.close()
    page.check()


def test_a_district_user_sees_their_district(browser: Any, people_city: City) -> None:
    context, page = signed_in(browser, people_city, "pj")
    try:
        assert "pj" in page.page.inner_text("#who")
        page.wait("window.CH.state.size > 0")
        districts = page.js("(() => { const s = new Set();"
                            " window.CH.state.eachNewest((e) => { s.add(e.district_code); });"
                            " return Array.from(s); })()")
        assert districts == [PENGJIANG]  # the server sent only 蓬江区's events; 台山's stayed in the database
        assert page.js("window.CH.state.filters.district") == PENGJIANG
        assert page.js("document.getElementById('f-district').disabled") is True
        page.wait("window.CH.people.fitted")
        view = page.js("window.CH.people.fitted")
        assert 112.9 < view["longitude"] < 113.3 and 22.4 < view["latitude"] < 22.8 and view["zoom"] > 9
        incidents = page.js("Array.from(window.CH.state.incidents.values()).map((i) => i.district_code)")
        assert incidents and set(incidents) == {PENGJIANG}
    finally:
        context.close()
    page.check()


def test_a_department_user_opens_on_their_queue_on_the_phone(browser: Any, people_city: City) -> None:
    fire = people_city.incidents[TAISHAN]["id"]
    for to in ("registered", "dispatched"):
        moved = people_city.post(f"/api/incidents/{fire}/transitions", "ts", {"to": to})
        assert moved.status_code == 200, moved.text
    context, page = signed_in(browser, people_city, "ts_fire", 390, 844)
    try:
        assert page.js("document.body.dataset.layout") == "mobile"
        page.wait("window.CH.ui.tab === 'work' && document.querySelector('#work-list [data-case]')")
        assert page.js("document.querySelector('.panel[data-group=work]').classList.contains('off')") is False
        case = page.page.locator(f"#work-list [data-case='{fire}']")
        assert "剩余" in case.locator(".countdown").inner_text()  # counting down to the deadline
        steps = case.locator("[data-step]").evaluate_all("(bs) => bs.map((b) => b.dataset.step)")
        [queued] = people_city.get("/api/work", "ts_fire", state="todo").json()["items"]
        assert steps == queued["next_states"] and "in_progress" in steps  # the department's steps, from the server
        assert "closed" not in steps and "dispatched" not in steps
        case.locator("[data-step='in_progress']").click()
        page.wait("document.getElementById('work-msg').textContent.includes('→')")
        page.wait("!document.querySelector(`#work-list [data-case]`)")  # handled: off the todo list
        detail = people_city.get(f"/api/incidents/{fire}", "zb").json()
        assert detail["state"] == "in_progress" and detail["steps"][-1]["who"] == "ts_fire"
    finally:
        context.close()
    page.check()
