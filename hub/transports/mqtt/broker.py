"""MQTT as the hub uses it (hub.transports.base.Broker): ingest, fresh view and publisher from one URL."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from hub.transports.fresh_view import FreshView
from hub.transports.mqtt.glance import MqttGlance
from hub.transports.mqtt.ingest import MqttIngest
from hub.transports.mqtt.publisher import MqttPublisher
from hub.trust.tls import TlsFiles

if TYPE_CHECKING:
    from hub.live import LiveStream
    from hub.pipeline.process import Pipeline
    from hub.settings import Settings
    from hub.transports.base import Ingest


class Mqtt:
    name = "mqtt"

    def ingests(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        tls = TlsFiles.of(settings)  # mqtts:// URLs: the CA, certificate and key (hub.trust.tls)
        mqtt = MqttIngest(pipeline, url, client_id=settings.mqtt_client_id, v5=settings.mqtt_v5,
                          share_group=settings.mqtt_share_group, keepalive=settings.mqtt_keepalive_s, tls=tls)
        found: dict[str, Ingest] = {"mqtt": mqtt}
        if settings.fresh_view:  # while the store works through a backlog, the map shows the newest
            glance = functools.partial(MqttGlance, url, client_id=settings.mqtt_client_id,
                                       v5=settings.mqtt_v5, share_group=settings.mqtt_share_group, tls=tls)
            found["mqtt_fresh"] = FreshView(pipeline, live, glance, mqtt.worker.inbox.qsize, name="MQTT")
        return found

    def follow(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        raise ValueError("a map/API instance follows the workers through Kafka's normalized stream only")

    def publisher(self, url: str, client_id: str, **options: Any) -> MqttPublisher:
        return MqttPublisher(url, client_id, **options)


BROKER = Mqtt()
