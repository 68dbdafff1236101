"""MQTT: the hub's ingest (paho-mqtt), the adapters' publisher and the embedded broker of the demo."""
