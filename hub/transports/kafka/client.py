"""The hub's librdkafka clients: `kafka_options` (kafka-python's names, as settings take them) as
librdkafka properties, and the two ways the hub reads a librdkafka consumer.

The hub consumes and republishes through librdkafka (confluent-kafka) only; kafka-python remains
for its admin client (creating topics) and the adapters' publisher (docs/TRANSPORTS.md).
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import TopicPartition

# kafka-python client option → librdkafka property (values as they are)
_RENAMED = {
    "client_id": "client.id", "security_protocol": "security.protocol", "sasl_mechanism": "sasl.mechanism",
    "sasl_plain_username": "sasl.username", "sasl_plain_password": "sasl.password",
    "sasl_kerberos_service_name": "sasl.kerberos.service.name", "sasl_kerberos_domain_name": "sasl.kerberos.principal",
    "ssl_cafile": "ssl.ca.location", "ssl_certfile": "ssl.certificate.location", "ssl_keyfile": "ssl.key.location",
    "ssl_password": "ssl.key.password", "ssl_crlfile": "ssl.crl.location", "ssl_ciphers": "ssl.cipher.suites",
    "request_timeout_ms": "request.timeout.ms", "retry_backoff_ms": "retry.backoff.ms",
    "reconnect_backoff_ms": "reconnect.backoff.ms", "reconnect_backoff_max_ms": "reconnect.backoff.max.ms",
    "metadata_max_age_ms": "metadata.max.age.ms", "connections_max_idle_ms": "connections.max.idle.ms",
    "socket_connection_setup_timeout_ms": "socket.connection.setup.timeout.ms",
}
# kafka-python options that mean nothing to a librdkafka producer (it negotiates API versions itself)
_IGNORED = {"bootstrap_timeout_ms", "api_version", "api_version_auto_timeout_ms"}


def librdkafka_config(client_options: dict[str, Any]) -> dict[str, Any] | None:
    """The librdkafka properties for kafka-python `client_options`; None when one has no equivalent."""
    config: dict[str, Any] = {}
    for name, value in client_options.items():
        if name == "bootstrap_servers":
            config["bootstrap.servers"] = value if isinstance(value, str) else ",".join(value)
        elif name == "ssl_check_hostname":
            config["ssl.endpoint.identification.algorithm"] = "https" if value else "none"
        elif name in _RENAMED and isinstance(value, (str, int, float)):
            config[_RENAMED[name]] = value
        elif name not in _IGNORED:
            return None
    if "SSL" in str(config.get("security.protocol", "")).upper() and "ssl.ca.location" not in config:
        config["ssl.ca.location"] = "probe"  # the system's CAs, as kafka-python uses (the wheel bundles OpenSSL)
    return config


def reader_config(client_options: dict[str, Any]) -> dict[str, Any]:
    """librdkafka's properties for a consumer (the hub reads Kafka only through librdkafka); an option with
    no librdkafka equivalent is refused, with the reason."""
    config = librdkafka_config(client_options)
    if config is None:
        raise ValueError("kafka_options holds a setting librdkafka cannot take (an ssl_context or a token "
                         "provider object): give file paths and names instead (docs/TRANSPORTS.md)")
    return config


def take_fetched(consumer: Any, most: int, wait_s: float) -> list[Any]:
    """Up to `most` records of a librdkafka consumer, errors among them: it waits up to `wait_s` for the
    first, then takes what is already fetched without waiting (`consume(most, wait_s)` alone waits out its
    whole timeout whenever fewer than `most` came: 120 ms of latency at a steady rate)."""
    first = consumer.poll(wait_s)
    return [first, *consumer.consume(most - 1, 0)] if first is not None else []


def fetched_end(consumer: Any, topic: str, partition: int) -> int:
    """A partition's end (high watermark) as the consumer's last fetch reported it, no request of its own;
    -1 while unknown."""
    return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)[1])
