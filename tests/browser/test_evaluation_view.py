"""The evaluation ranking on the map page: a case worked through the API appears in the department
ranking with the server's column names, and the monthly report downloads from the page."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.conftest import OPERATOR, City, waterlogging
from tests.support import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_ranking_shows_a_worked_case_and_the_report_downloads(city: City) -> None:
    page, hub = city.page, city.hub
    city.publish("city/water/waterlogging", [waterlogging(28, device="WL-0901")])
    def flood() -> list[dict]:  # other incidents (a source's data quality) may open beside it
        return [i for i in hub.get("/api/incidents").json()["items"]
                if i["state"] == "reported" and i["type"] == "city.water.waterlogging"]

    wait_for(lambda: bool(flood()), what="an incident opened by the alarm")
    [case] = flood()
    for step in ("register", "dispatch", "accept", "finish", "close"):
        answer = httpx.post(f"{hub.url}/api/incidents/{case['id']}/transitions", json={"step": step},
                            headers={"Authorization": f"Bearer {OPERATOR}"})
        assert answer.status_code == 200, answer.text

    page.page.click("#tabs [data-tab='evaluation']")
    page.page.click("#ev-form button")
    page.wait("document.querySelector('#ev-table table.ranking') !== null")
    table = page.page.inner_text("#ev-table")
    assert "按期结案率" in table and case["department"] in table and "100.0%" in table
    assert "全市应结案 1" in page.page.inner_text("#ev-msg")

    with page.page.expect_download() as download:
        page.page.click("#ev-downloads [data-format='xlsx']")
    from openpyxl import load_workbook

    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as f:
        book = load_workbook(f)
    assert book["部门排名"].cell(row=3, column=2).value == case["department"]
    page.page.click("#tabs [data-tab='feed']")
