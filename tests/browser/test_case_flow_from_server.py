"""The case flow is the server's: two operators' screens on one hub offer, for each incident, exactly the steps
`hub/incidents/flow.py` allows from its state now — also on the screen that did not make the last step, and
which learns of it only from the live stream — and the step a screen offers is one the server takes."""

from __future__ import annotations

from typing import Any

import pytest

from hub.incidents.flow import flow_map, next_states
from tests.browser.conftest import OPERATOR, City, MapPage, new_map_page, waterlogging
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]
OFFERED = "(row) => Array.from(document.querySelectorAll(row + ' button[data-to]')).map((b) => b.dataset.to)"


def offered(page: MapPage, row: str) -> list[str]:
    return list(page.js(OFFERED, row))


def press(page: MapPage, selector: str) -> None:
    """Click from inside the page: two software-rendered maps on a loaded machine can keep Playwright's
    input pipeline waiting long after the page itself would have taken the click."""
    page.wait("(sel) => !!document.querySelector(sel)", selector)
    page.js("(sel) => document.querySelector(sel).click()", selector)


def sign_in(page: MapPage) -> None:
    press(page, "#tabs [data-tab='incidents']")
    page.js("(token) => { document.getElementById('token').value = token;"
            " document.getElementById('token-form').requestSubmit(); }", OPERATOR)


def shows(page: MapPage, row: str, state: str) -> None:
    """As soon as the row shows `state`, it offers exactly the server's next steps from it (the same render,
    not a later reload of the list: the live item carries them)."""
    badge = "(want) => (document.querySelector(want.row + ' .state') || {dataset: {}}).dataset.state === want.state"
    page.wait(badge, {"row": row, "state": state})
    assert offered(page, row) == next_states(state)


def test_a_second_operators_screen_offers_only_the_servers_next_steps(city: City, browser: Any) -> None:
    hub, first = city.hub, city.page
    assert first.js("CH.META.flow.next") == flow_map()  # the page's flow is the server's, whole
    context, second = new_map_page(browser)
    try:
        second.open(hub.url)
        city.publish("city/water/waterlogging", [waterlogging(31, device="WL-0901")])
        wait_for(lambda: any(i["state"] == "reported" for i in hub.get("/api/incidents").json()["items"]),
                 what="an incident opened by the alarm")
        incident = next(i for i in hub.get("/api/incidents").json()["items"] if i["state"] == "reported")
        row = f"#incident-list [data-incident='{incident['id']}']"
        for page in (first, second):
            sign_in(page)
            shows(page, row, "reported")

        press(first, f"{row} button[data-to='registered']")  # the first operator registers it
        wait_for(lambda: hub.get(f"/api/incidents/{incident['id']}").json()["state"] == "registered",
                 what="the incident registered")
        shows(second, row, "registered")  # the second screen learns it from the live stream alone

        press(second, f"{row} button[data-to='dispatched']")  # a step it offers is one the server takes
        wait_for(lambda: hub.get(f"/api/incidents/{incident['id']}").json()["state"] == "dispatched",
                 what="the incident dispatched from the second screen")
        assert "409" not in second.page.inner_text("#incident-msg")
        for page in (first, second):
            shows(page, row, "dispatched")
            assert offered(page, row) == hub.get(f"/api/incidents/{incident['id']}").json()["next_states"]
        assert "退回" in second.page.inner_text(row)  # dispatched → registered is named as the step it is
        second.check()  # before closing: a page torn down mid-frame may report deck.gl's own teardown
    finally:
        context.close()
