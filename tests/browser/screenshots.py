"""Take the map's screenshots for the docs with real events on it:
`python -m tests.browser.screenshots [--seconds 45] [--rate 40] [--out docs/screenshots]`.

Starts an embedded MQTT broker, a hub on SQLite in a temporary folder and every simulator through its
adapter, lets the city run for a while, then photographs the three layouts in headless Chromium:
wall.png (1920×1080), desktop.png (1440×900, with an event's detail open) and mobile.png (390×844).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from simulators.registry import SIMULATORS
from simulators.runner import simulate
from tests.browser.conftest import CHROMIUM, FLAGS, OPERATOR
from tests.support import free_port, running_hub

SHOTS = (("wall", 1920, 1080), ("desktop", 1440, 900), ("mobile", 390, 844))


def run_city(broker_url: str, seconds: float, rate: float, stop: threading.Event) -> None:
    publisher = MqttPublisher(broker_url, "screenshots-simulators")
    try:
        simulate(list(SIMULATORS.values()), publisher, rate=rate, duration=seconds, seed=2021, stop=stop)
        publisher.close()
    except TimeoutError as err:  # a slow broker: the pictures are taken all the same
        print(f"simulators: {err}")


def photograph(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        for name, width, height in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                          timezone_id="Asia/Shanghai")
            page = context.new_page()
            page.goto(url + "/")
            page.wait_for_function("window.CITYHUB && CITYHUB.connected && window.CITYHUB_RENDERED > 0",
                                   timeout=120_000, polling=250)
            page.evaluate(f"sessionStorage.setItem('cityhub.token', '{OPERATOR}')")
            time.sleep(6)  # the analysis views and the heat settle
            if name == "desktop":
                page.evaluate("document.querySelector('#feed li[data-uid]').click()")
                page.wait_for_selector("#detail pre.raw", timeout=120_000)
            time.sleep(2)
            page.screenshot(path=str(out / f"{name}.png"), timeout=180_000)  # software WebGL: slow frames
            print(f"wrote {out / f'{name}.png'}")
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--rate", type=float, default=25)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    broker = EmbeddedBroker(free_port())
    broker.start()
    stop = threading.Event()
    try:
        with tempfile.TemporaryDirectory() as data:
            settings = Settings(data_dir=Path(data), mqtt=broker.url, mqtt_v5=False, mqtt_client_id="screenshots",
                                operator_token=OPERATOR)
            with running_hub(settings) as hub:
                hub.hub.ingests["mqtt"].connected.wait(10)
                city = threading.Thread(target=run_city, args=(broker.url, args.seconds + 600, args.rate, stop))
                city.start()
                time.sleep(args.seconds)
                photograph(hub.url, args.out)
                stop.set()
                city.join(30)
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
