"""Kafka: the hub's ingest and republishing (librdkafka), the adapters' publisher, the fresh view's
glance, a map instance's feed and the workers' lag. `broker.BROKER` is what the rest of the hub uses
(hub.transports.base)."""

SCHEMES = ("kafka",)
