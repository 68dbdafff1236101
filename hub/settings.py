"""Every knob of the hub in one place; each is also an environment variable CITYHUB_<NAME>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# the most events a Kafka worker stores in one transaction. At full speed batches fill up; each commit
# writes every page it changed, and the uid and (id, source) indexes take their keys at random, so a
# larger batch shares those page writes among more events (docs/MEASUREMENTS.md: bytes of write-ahead log
# an event by batch size). MQTT batches stay under the 1,000 messages in flight.
KAFKA_MAX_BATCH = 5000
# how long a worker gathers a batch after its first event (the setting is a Kafka worker's; MQTT's keep 20):
# longer makes fewer, larger batches, cheaper per event, for that much more latency at low rates
# (docs/TRANSPORTS.md: 40 ms at 5,000/s)
BATCH_WAIT_MS = 20


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYHUB_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    db: str = ""  # sqlite:///PATH or postgresql://…; empty: SQLite under data_dir
    mqtt: str | None = None  # mqtt://[user:pass@]host:port
    mqtt_v5: bool = True
    mqtt_client_id: str = "cityhub"
    mqtt_share_group: str | None = None  # MQTT 5 shared subscription for several hub workers
    # seconds of silence after which the hub gives a broker connection up (the broker: 1.5 × this);
    # hub.transports.mqtt.client.KEEPALIVE_S is the default
    mqtt_keepalive_s: int = Field(default=30, ge=5, le=3600)
    kafka: str | None = None  # host:port
    kafka_group: str = "cityhub"
    # how long the broker may hold a worker's fetch waiting for records: tansu answers only when it ends,
    # so it is latency there (10 ms); Apache Kafka answers as records come, so a long wait costs nothing
    # and spares the broker the empty fetches of an idle worker (docs/MEASUREMENTS.md: tansu's CPU by wait)
    kafka_fetch_wait_ms: int = 10
    max_batch: int = KAFKA_MAX_BATCH
    batch_wait_ms: float = BATCH_WAIT_MS
    live_from_kafka: str | None = None  # host:port: a map/API instance whose live map follows city.events.normalized
    # Kafka client settings by kafka-python's names, e.g. {"security_protocol": "SASL_SSL", "sasl_mechanism":
    # "SCRAM-SHA-512", "sasl_plain_username": …, "ssl_cafile": …}: as they are for kafka-python's admin
    # client, translated for librdkafka's consumers and producer; see docs/TRANSPORTS.md
    kafka_options: dict[str, Any] = {}
    max_payload_bytes: int = 256 * 1024
    max_age_days: float = 30
    max_ahead_s: float = 300
    operator_token: str | None = None
    viewer_token: str | None = None
    live_buffer: int = 5000
    fresh_view: bool = True  # behind a backlog, the map shows the newest events (hub/transports/fresh_view.py)
    cors_origins: list[str] = []  # browser origins allowed to call the API; empty: same-origin only
    max_request_bytes: int = 1024 * 1024  # larger request bodies get 413
    incident_check_s: float = 30  # how often rule timers and overdue incident steps are checked; 0: never
    # supervision and evaluation (hub/supervision): working windows (Beijing time) and the score's weights
    work_windows: str = "08:30-12:00,14:00-17:30"
    evaluation_weights: dict[str, float] = {"on_time_closure_rate": 0.4, "closure_rate": 0.2,
                                            "on_time_handling_rate": 0.3, "rework_rate": 0.1}
    # people (hub/people): how long a sign-in lasts; failed sign-ins heard per user / per address in a window
    token_ttl_s: float = 8 * 3600
    signin_failures_per_user: int = 5
    signin_failures_per_address: int = 20
    signin_window_s: float = 900
    # trust over the network (hub/trust, docs/SECURITY.md): unsigned events are dead-lettered when required
    # (production); a signature present is checked either way; keys issued or revoked count within keys_refresh_s
    require_signed_events: bool = False
    keys_refresh_s: float = 5
    signing_keys: list[str] = []  # publishers (simulate, replay): ADAPTER=PRIVATE.pem or directories of <adapter>.pem
    # TLS to the brokers (hub/trust/tls.py): mqtts:// URLs; Kafka where kafka_options ask for SSL or SASL_SSL
    tls_ca_file: str | None = None  # the CA the broker's certificate must chain to (default: the system's)
    tls_cert_file: str | None = None  # the client's own certificate (PEM), for brokers that ask for one
    tls_key_file: str | None = None
    # device health, data quality and forecasts (hub/health, hub/forecast)
    health_check_s: float = 30  # how often device states, source quality and forecasts are checked; 0: never
    device_cadences: Path | None = None  # the cadences data file; None: hub/data/device_cadences.yaml
    quality_levels: Path | None = None  # the sources' quality levels; None: hub/data/quality_levels.yaml
    forecast_file: Path | None = None  # forecast points, thresholds and fitting; None: hub/data/forecast.yaml
    # notifications (hub/notify, docs/NOTIFICATIONS.md): a channel with no server set sends nothing
    notifications_file: Path | None = None  # triggers, recipients, templates; default hub/data/notifications.yaml
    notify_smtp_url: str | None = None  # smtp://[user:pass@]host:port[?from=ADDR&starttls=1] or smtps://…
    notify_sms_url: str | None = None  # the SMS gateway: http(s)://[TOKEN@]host:port/sms/send
    notify_webhooks: dict[str, str] = {}  # webhook name (a recipient's webhook address) → URL
    notify_webhook_secret: str = ""  # HMAC-SHA256 key of the webhooks' X-CityHub-Signature header
    notify_every_s: float = 2  # how often the sender looks for due notices and deadlines; 0: never
    # the upward exchange with the province (hub/exchange, docs/EXCHANGE.md); no URL: reports queue only
    exchange_url: str | None = None  # the provincial hub's report endpoint, https://…/reports
    exchange_secret: str = ""  # shared secret of the HMAC-SHA256 signature, both ways (reports up, 督办 down)
    exchange_min_severity: int = 3  # incidents at or above this severity are reported
    exchange_city: str = "440700"  # the reporting city's admin code
    exchange_every_s: float = 2  # how often the exchange sends its backlog; 0: never

    # working calendar (hub/supervision/workcalendar.py): the city's supplement of years the package lacks
    work_calendar_file: str = ""  # empty: hub/data/work_calendar.yaml
    # joint command (hub/command): a unit that has reported and then is silent this long is flagged
    unit_silent_s: float = 120

    @property
    def store_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'hub.sqlite'}"


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, then the YAML config file, then command-line overrides."""
    values: dict[str, Any] = yaml.safe_load(config.read_text(encoding="utf-8")) or {} if config else {}
    values |= {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)
