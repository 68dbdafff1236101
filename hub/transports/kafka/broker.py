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
from hub.trust.tls import TlsFiles, kafka_options

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
                            batch_wait_s=settings.batch_wait_ms / 1000, **options_of(settings))
        found: dict[str, Ingest] = {"kafka": kafka}
        if settings.fresh_view:
            def kafka_glance() -> KafkaGlance:
                return KafkaGlance(kafka.client_options, kafka.topic, set(kafka.assignment))

            found["kafka_fresh"] = FreshView(pipeline, live, kafka_glance, kafka.worker.inbox.qsize, name="Kafka")
        return found

    def follow(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        found: dict[str, Ingest] = {"map_feed": NormalizedFeed(live, address(url), **options_of(settings))}
        if settings.fresh_view:  # behind the workers' backlog, the newest raw events as previews
            options = {"bootstrap_servers": address(url).split(","),
                       "client_id": "cityhub-map-fresh"} | options_of(settings)
            found["map_fresh"] = FreshView(pipeline, live, functools.partial(KafkaGlance, options, TOPIC),
                                           WorkersLag(options, TOPIC, settings.kafka_group), name="map")
        return found

    def publisher(self, url: str, client_id: str, *, tls: TlsFiles | None = None, **options: Any) -> KafkaPublisher:
        """`tls`: the CITYHUB_TLS_* files, for options that ask for SSL or SASL_SSL (hub.trust.tls.kafka_options)."""
        signer = options.pop("signer", None)
        return KafkaPublisher(address(url), client_id, signer=signer, **kafka_options(tls, options))


def options_of(settings: Settings) -> dict[str, Any]:
    """The settings' kafka_options, with the TLS files filled in where they ask for TLS (hub.trust.tls)."""
    return kafka_options(TlsFiles.of(settings), settings.kafka_options)


BROKER = Kafka()
