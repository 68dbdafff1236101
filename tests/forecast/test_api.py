"""GET /api/forecasts on a running hub: every point with its threshold, and 422 for an unknown kind."""

from __future__ import annotations

import pytest

from tests.support import RunningHub

pytestmark = pytest.mark.integration


def test_every_point_is_listed_with_its_threshold(hub_on_embedded: RunningHub) -> None:
    river = hub_on_embedded.get("/api/forecasts", kind="river").json()
    assert river["count"] == 10 and river["horizons_min"] == [30, 60, 120] and river["warnings_in_force"] == 0
    gauge = next(i for i in river["items"] if i["point_id"] == "4407030025")
    assert gauge["threshold"] == 3.99 and gauge["unit"] == "m" and gauge["department"] == "江门市水利局"
    assert gauge["predicted"] is None and gauge["warning"] is False  # no reading yet
    waterlogging = hub_on_embedded.get("/api/forecasts").json()
    assert waterlogging["kind"] == "waterlogging" and waterlogging["count"] == 32
    assert {i["threshold"] for i in waterlogging["items"]} == {15}
    bad = hub_on_embedded.get("/api/forecasts", kind="tide")
    assert bad.status_code == 422
