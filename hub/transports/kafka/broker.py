"""Kafka as the hub uses it (hub.transports.base.Broker): ingest, fresh view, a map instance's feed and
the adapters' publisher from one URL (`kafka://host:port[,host:port…]`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from hub.transports.base import address
from hub.transports.fresh_view import FreshView
from hub.transports.kafka.feed import NormalizedFeed
from hub.transports.kafka.glance import KafkaGlance
from hub.transports.kafka.ingest import KafkaIngest
from hub.transports.kafka.lag import WorkersLag
from hub.transports.kafka.publisher import KafkaPublisher
from hub.transports.kafka.republish import TOPIC

if TYPE_CHECKING:
    from hub.live import LiveStream
    from hub.pipeline.process import Pipeline
    from hub.settings import Settings
    from hub.transports.base import Ingest


class Kafka:
    name = "kafka"

    def ingests(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        kafka = KafkaIngest(pipeline, address(url), group=settings.kafka_group,
                            fetch_wait_ms=settings.kafka_fetch_wait_ms, max_batch=settings.max_batch,
                            batch_wait_s=settings.batch_wait_ms / 1000, **settings.kafka_options)
        found: dict[str, Ingest] = {"kafka": kafka}
        if settings.fresh_view:
            def kafka_glance() -> KafkaGlance:
                return KafkaGlance(kafka.client_options, kafka.topic, set(kafka.assignment))

            found["kafka_fresh"] = FreshView(pipeline, live, kafka_glance, kafka.worker.inbox.qsize, name="Kafka")
        return found

    def follow(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        found: dict[str, Ingest] = {"map_feed": NormalizedFeed(live, address(url), **settings.kafka_options)}
        if settings.fresh_view:  # behind the workers' backlog, the newest raw events as previews
            options = {"bootstrap_servers": address(url).split(","),
                       "client_id": "cityhub-map-fresh"} | settings.kafka_options
            found["map_fresh"] = FreshView(pipeline, live, functools.partial(KafkaGlance, options, TOPIC),
                                           WorkersLag(options, TOPIC, settings.kafka_group), name="map")
        return found

    def publisher(self, url: str, client_id: str, **options: Any) -> KafkaPublisher:
        return KafkaPublisher(address(url), client_id, **options)


BROKER = Kafka()
