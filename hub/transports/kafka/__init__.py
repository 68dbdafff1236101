"""Kafka: the hub's ingest, republishing, the adapters' publisher, the fresh view's glance and the lag view."""
