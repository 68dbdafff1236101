"""The embedded MQTT broker of `cityhub demo` (amqtt), run in a thread of its own."""

from __future__ import annotations

import asyncio
import logging
import threading

from amqtt.broker import Broker

log = logging.getLogger(__name__)


class EmbeddedBroker:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}", "max_connections": 200}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        self.loop = asyncio.new_event_loop()
        self.broker: Broker | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="mqtt-broker", daemon=True)

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def start(self, timeout: float = 10) -> None:
        self.thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError(f"embedded MQTT broker did not start on {self.host}:{self.port}")

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.broker = Broker(self.config, loop=self.loop)
        self.loop.run_until_complete(self.broker.start())
        self.ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        if self.broker is not None and self.loop.is_running():
            try:  # amqtt's shutdown can hang while clients are still connected
                asyncio.run_coroutine_threadsafe(self.broker.shutdown(), self.loop).result(5)
            except TimeoutError:
                log.warning("embedded MQTT broker did not shut down within 5 s; stopping its loop")
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
