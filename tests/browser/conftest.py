"""The live map in real headless Chromium (Playwright), against a real hub and a real embedded MQTT broker.

Every page a test opens records each request it makes; the `map_page` fixture fails the test if any
went anywhere but the hub on 127.0.0.1 (or stayed inside the page: data:, blob:, file:).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from adapters.base import cloudevent
from adapters.parking import adapt as adapt_parking
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from tests.support import RunningHub, free_port, need, running_hub, wait_for

CHROMIUM = Path(os.environ.get("CITYHUB_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
         "--disable-background-networking"]
OPERATOR = "op-map-3c7e"
CHINA = timezone(timedelta(hours=8))
BAISHA = (113.0850, 22.5900)  # 蓬江区白沙街道
LOCAL_SCHEMES = {"data", "blob", "file", "about"}
_serial = itertools.count(1)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One Chromium for every browser test (each test or module opens contexts of its own in it: no cookies,
    storage or pages carry over). Package scope: it closes, with Playwright's event loop, after the last test
    of tests/browser, so later tests run with no loop left behind (a session-long one would leave it)."""
    need(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@dataclass
class MapPage:
    """A browser page on the map, with every request URL it made and every script error it raised."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url + "/")
        self.wait("window.CITYHUB && window.CITYHUB.connected", timeout=90_000)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, arg: Any = None, timeout: float = 60_000) -> None:
        """Wait for a condition in the page (polled on a timer: WebGL frames in a software renderer are slow)."""
        self.page.wait_for_function(expression, arg=arg, timeout=timeout, polling=200)

    def check(self) -> None:
        assert not self.outside(), f"the map reached outside 127.0.0.1: {self.outside()}"
        assert not self.errors, f"script errors on the map: {self.errors}"

    def outside(self) -> list[str]:
        """Request URLs that left the page for anywhere but 127.0.0.1."""
        bad = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname != "127.0.0.1":
                bad.append(url)
        return bad


def new_map_page(browser: Any, width: int = 1440, height: int = 900) -> tuple[Any, MapPage]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    opened = MapPage(page)
    page.on("request", lambda request: opened.requests.append(request.url))
    page.on("websocket", lambda ws: opened.requests.append(ws.url))
    page.on("pageerror", lambda error: opened.errors.append(f"{error.message}\n{error.stack or ''}".strip()))
    return context, opened


@pytest.fixture
def map_page(browser: Any) -> Iterator[MapPage]:
    """A fresh page for one test; it fails the test if the page reached outside 127.0.0.1 or raised."""
    context, opened = new_map_page(browser)
    yield opened
    context.close()
    opened.check()


@dataclass
class City:
    """One hub (operator token) on its own embedded broker, and one map page on it, for a whole module."""

    hub: RunningHub
    page: MapPage
    publish: Callable[[str, list[dict[str, Any]]], None]


@pytest.fixture(scope="module")
def city(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    broker = EmbeddedBroker(free_port())
    broker.start()
    data = tmp_path_factory.mktemp("city")
    settings = Settings(data_dir=data, mqtt=broker.url, mqtt_v5=False, mqtt_client_id=f"hub-{data.name}",
                        operator_token=OPERATOR, incident_check_s=0)
    publisher = None
    try:
        with running_hub(settings) as running:
            running.hub.ingests["mqtt"].connected.wait(10)
            publisher = MqttPublisher(broker.url, f"map-city-{next(_serial)}")

            def send(topic: str, events: list[dict[str, Any]], sender: Any = publisher) -> None:
                sender.publish(topic, events)
                sender.flush()

            context, opened = new_map_page(browser)
            opened.open(running.url)
            yield City(running, opened, send)
            context.close()
            opened.check()
    finally:
        if publisher is not None:
            publisher.close()
        broker.stop()


# ---- what the tests publish: CloudEvents as the adapters produce them ---------------------------------

def parking_feed(lots: list[tuple[str, float, float]], when: datetime | None = None) -> bytes:
    """The parking platform's native JSON status feed for these lots (id, lon, lat in WGS84)."""
    stamp = (when or datetime.now(CHINA)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    parks = [{"parkId": lot, "parkName": f"测试停车场{lot[-3:]}", "totalSpace": 200, "freeSpace": 50 + n,
              "lng": lon, "lat": lat, "coordType": "WGS84", "updateTime": stamp, "recordId": next(_serial)}
             for n, (lot, lon, lat) in enumerate(lots)]
    return orjson.dumps({"code": 0, "msg": "ok", "ts": stamp, "parks": parks})


def parking_events(count: int, when: datetime | None = None, prefix: str = "JM-PK-T") -> list[dict[str, Any]]:
    """`count` lots around 白沙, through the parking adapter (topic city/parking/lots)."""
    lots = [(f"{prefix}{n:03d}", BAISHA[0] + 0.002 * (n % 10), BAISHA[1] + 0.0015 * (n // 10))
            for n in range(count)]
    return adapt_parking(parking_feed(lots, when))


def waterlogging(depth_cm: float, at: tuple[float, float] = BAISHA, device: str = "WL-0101") -> dict[str, Any]:
    """A waterlogging gauge's reading (city/water/waterlogging); 15 cm and deeper raises an alarm."""
    level = "severe" if depth_cm >= 40 else "deep" if depth_cm >= 15 else "shallow"
    data = {"sensor_id": device, "depth_cm": depth_cm, "level": level,
            "location": {"lon": at[0], "lat": at[1], "crs": "wgs84"}}
    return cloudevent(f"/jiangmen/water/waterlogging/{device}", "city.water.waterlogging",
                      f"{device}-{next(_serial)}", datetime.now(CHINA) - timedelta(seconds=1), data)


Publish = Callable[[str, list[dict[str, Any]]], None]


@pytest.fixture
def publish(embedded_broker: EmbeddedBroker) -> Iterator[Publish]:
    """Publish CloudEvents to the embedded broker as an adapter would (QoS 1, flushed)."""
    publisher = MqttPublisher(embedded_broker.url, f"map-test-{next(_serial)}")

    def send(topic: str, events: list[dict[str, Any]]) -> None:
        publisher.publish(topic, events)
        publisher.flush()

    yield send
    publisher.close()


def stored(hub: RunningHub, count: int) -> None:
    wait_for(lambda: hub.hub.store.counts()["events"] >= count, what=f"{count} events stored")


def uids(events: list[dict[str, Any]]) -> list[str]:
    from hub.events import epoch, event_uid

    return [event_uid(e["source"], e["id"], epoch(e["time"])) for e in events]
