"""MQTT: the hub's ingest (paho-mqtt), the adapters' publisher, the fresh view's glance and the demo's
embedded broker. `broker.BROKER` is what the rest of the hub uses (hub.transports.base)."""

SCHEMES = ("mqtt", "mqtts")
