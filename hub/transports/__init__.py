"""Transports into the hub (MQTT, Kafka). Each delivers batches to the pipeline and acknowledges
a batch only after the pipeline has stored or dead-lettered all of it."""
