"""`cityhub map snapshot` writes one HTML file of a period that opens offline: no request leaves the file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hub.cli import main
from tests.browser.conftest import MapPage, Publish, new_map_page, parking_events, stored
from tests.support import RunningHub

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def snapshot(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["map", "snapshot", *args]) == 0
    return dict(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))


def test_a_snapshot_of_the_last_hour_opens_offline_with_its_events(
        hub_on_embedded: RunningHub, publish: Publish, browser: Any, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    publish("city/parking/lots", parking_events(6, prefix="JM-PK-S"))
    stored(hub_on_embedded, 6)

    from_api = snapshot(capsys, "--since", "1h", "--out", str(tmp_path / "api.html"), "--hub", hub_on_embedded.url)
    from_db = snapshot(capsys, "--since", "1h", "--out", str(tmp_path / "db.html"),
                       "--db", hub_on_embedded.hub.settings.store_url)
    assert from_api["events"] == from_db["events"] == from_api["on_map"] == 6

    html = (tmp_path / "api.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # everything inline
    assert "江门市城市运行一网统管" in html and "蓬江区" in html

    context, page = new_map_page(browser, 1280, 800)
    try:
        page.page.goto((tmp_path / "api.html").as_uri())
        page.wait("window.deckInstance && deckInstance.props.layers.some((l) => l.id === 'events'"
                  " && l.props.data.length === 6)")
        ids = page.js("deckInstance.props.layers.map((l) => l.id)")
        assert {"districts", "towns", "heat", "events", "district-labels"} <= set(ids)
        assert ids.index("events") < ids.index("district-labels")  # place names stay readable on top
    finally:
        context.close()
    assert all(url.startswith("file://") for url in page.requests), page.requests
    MapPage.check(page)


def test_bad_snapshot_arguments_exit_2_with_a_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as bad:
        main(["map", "snapshot", "--since", "yesterday", "--out", str(tmp_path / "x.html")])
    assert bad.value.code == 2
    assert "--since must be a duration like 30m, 1h, 2d or an RFC 3339 time" in capsys.readouterr().err
    assert main(["map", "snapshot", "--since", "2030-01-02T00:00:00+08:00", "--until", "2030-01-01T00:00:00+08:00",
                 "--out", str(tmp_path / "period.html"), "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}"]) == 1
    assert "--since must be before --until" in capsys.readouterr().err
    assert not (tmp_path / "period.html").exists()
