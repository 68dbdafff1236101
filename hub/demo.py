"""`cityhub demo`: one command, no other service — embedded MQTT broker, hub on SQLite, simulators, map."""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import uvicorn

from hub.api.app import create_app
from hub.people.demo_users import seed_demo_users
from hub.runtime import Hub
from hub.settings import Settings
from hub.transports.mqtt.embedded import EmbeddedBroker
from hub.transports.mqtt.publisher import MqttPublisher
from hub.websocket import LiveWebSocketProtocol
from simulators.outside import Outside
from simulators.registry import SIMULATORS
from simulators.runner import simulate
from simulators.staff import ServiceDesk, Staff

log = logging.getLogger(__name__)


class Demo:
    def __init__(self, *, port: int, mqtt_port: int, data_dir: Path, rate: float, seed: int) -> None:
        self.port, self.rate, self.seed = port, rate, seed
        self.broker = EmbeddedBroker(mqtt_port)
        self.outside = Outside()  # SMTP sink, SMS gateway and province: the notices are visibly delivered
        self.settings = Settings(port=port, data_dir=data_dir, mqtt=self.broker.url, mqtt_v5=False,
                                 mqtt_client_id="cityhub-demo", **self.outside.settings())
        if not self.settings.operator_token:  # the demo's operator may move incidents along the case flow
            self.settings.operator_token = secrets.token_urlsafe(12)

    def run(self, stop: threading.Event, duration: float | None) -> None:
        self.broker.start()
        self.outside.start(f"http://127.0.0.1:{self.port}")
        hub = Hub(self.settings)
        server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=self.port,
                                               log_level="warning", ws=LiveWebSocketProtocol))
        web = threading.Thread(target=server.run, name="http", daemon=True)
        web.start()
        while not server.started and web.is_alive():
            time.sleep(0.05)
        say(f"CityHub demo: live map at http://127.0.0.1:{self.port}/ · MQTT {self.broker.url} · "
            f"store {self.settings.store_url} · Ctrl-C stops")
        say(f"notices: {self.settings.notify_smtp_url} · SMS {self.settings.notify_sms_url} · province "
            f"{self.settings.exchange_url} (GET /api/notifications, /api/exchange)")
        say(f"operator token (POST /api/incidents/{{id}}/transitions, Authorization: Bearer …): "
            f"{self.settings.operator_token}")
        for name, role, password in seed_demo_users(hub.people):  # shown once: only their hashes are kept
            say(f"  user {name:<10} {role:<18} password {password}")
        sims = threading.Thread(target=self._simulate, args=(stop,), name="simulators", daemon=True)
        sims.start()
        # simulated staff work the cases along the flow, so the 考核排名 and the monthly report have content
        staff = threading.Thread(target=Staff(ServiceDesk(hub.incidents), self.seed).run, args=(stop,), name="staff",
                                 daemon=True)
        staff.start()
        units = self._units()
        try:
            stop.wait(duration)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            sims.join(10)
            staff.join(10)
            units.terminate()
            units.wait(10)
            server.should_exit = True
            web.join(15)
            self.broker.stop()
            self.outside.stop()
            say("CityHub demo stopped.")

    def _units(self) -> subprocess.Popen[bytes]:
        """The response units (fire engines, pump trucks, ambulances …) as their own process: at home they report
        now and then; dispatched from the map's command panel, they drive the road route at five times real
        speed, reporting JT/T 808 positions, work on scene and drive home."""
        say("response units: python -m simulators.command_units (dispatch one from an incident's command panel)")
        return subprocess.Popen([sys.executable, "-m", "simulators.command_units", "--hub",
                                 f"http://127.0.0.1:{self.port}", "--mqtt", self.broker.url,
                                 "--token", self.settings.operator_token or "", "--speedup", "5", "--every", "2",
                                 "--idle-every", "60", "--work-s", "600"])

    def _simulate(self, stop: threading.Event) -> None:
        publisher = MqttPublisher(self.broker.url, "cityhub-demo-simulators")
        try:
            simulate(list(SIMULATORS.values()), publisher, rate=self.rate, duration=float("inf"),
                     seed=self.seed, stop=stop)
        except Exception:
            log.exception("simulators stopped")
        finally:
            publisher.close()


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
