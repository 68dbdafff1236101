"""`mqtts://` for the hub, the publishers and the simulators against Mosquitto's TLS listener (client
certificates required), with a CA and certificates the tests make; a broker certificate for another name,
from an unknown CA or out of date is refused with a clear log line, and retried with backoff only."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.cli import main
from hub.settings import Settings
from hub.transports.mqtt.client import connect_async, mqtt_client
from hub.transports.mqtt.publisher import MqttPublisher
from hub.trust.tls import TlsFiles, client_context, kafka_options
from tests.support import free_port, need, running_hub, wait_for
from tests.transport.brokers import mosquitto_bin
from tests.transport.checks import assert_exactly_once, await_stored, db_of
from tests.transport.events import TOPIC, batch
from tests.trust.tls_broker import Certificates, TlsMosquitto

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


def start_broker(tmp_path: Path, certs: Certificates, broker_cert: str) -> TlsMosquitto:
    need(mosquitto_bin() is not None, "mosquitto is not installed (apt-get install mosquitto)")
    broker = TlsMosquitto(free_port(), tmp_path / f"mosquitto-{broker_cert}", certs, broker_cert)
    broker.start()
    return broker


@pytest.fixture
def broker(tmp_path: Path, certs: Certificates) -> Iterator[TlsMosquitto]:
    running = start_broker(tmp_path, certs, "good")
    yield running
    running.stop()


def test_hub_publishers_and_simulators_speak_mqtts(broker: TlsMosquitto, certs: Certificates, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    files = certs.client
    settings = Settings(data_dir=tmp_path / "hub", mqtt=broker.url, mqtt_client_id="hub-tls",
                        tls_ca_file=files.ca_file, tls_cert_file=files.cert_file, tls_key_file=files.key_file)
    with running_hub(settings) as hub:
        assert hub.hub.ingests["mqtt"].connected.wait(15), f"the hub did not connect over TLS: {broker.log_tail()}"
        publisher = MqttPublisher(broker.url, "publisher-tls", v5=True, tls=files)
        sent = batch("tls", 300)
        publisher.publish(TOPIC, sent)
        publisher.close()
        await_stored(db_of(hub), "tls", 300)
        assert_exactly_once(db_of(hub), sent, "tls")

        for name, value in certs.env().items():  # the simulators take the files from the environment
            monkeypatch.setenv(name, value)
        before = hub.hub.store.counts()["events"]
        assert main(["simulate", "parking-lots", "--rate", "40", "--duration", "1.5", "--mqtt", broker.url]) == 0
        published = json.loads(capsys.readouterr().out.splitlines()[-1])
        assert published["events"] > 0 and published.get("dropped", 0) == 0, published
        wait_for(lambda: hub.hub.store.counts()["events"] + hub.hub.pipeline.totals.duplicates
                 + hub.hub.pipeline.totals.dead >= before + published["events"], what="the simulated events")


@pytest.mark.parametrize(("broker_cert", "refusal"), [
    ("other-name", "IP address mismatch, certificate is not valid for '127.0.0.1'"),
    ("unknown-ca", "unable to get local issuer certificate"),
    ("expired", "certificate has expired"),
])
def test_a_broker_certificate_that_does_not_hold_is_refused_with_a_clear_line_and_backoff(
        tmp_path: Path, certs: Certificates, broker_cert: str, refusal: str, caplog: pytest.LogCaptureFixture) -> None:
    broker = start_broker(tmp_path, certs, broker_cert)
    caplog.set_level(logging.WARNING, logger="hub.trust.tls")
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionError) as refused:
            MqttPublisher(broker.url, f"publisher-{broker_cert}", tls=certs.client, connect_timeout=3)
        assert f"TLS: the broker's certificate is refused: {refusal}" in str(refused.value)
        lines = [r for r in caplog.records if r.levelno == logging.ERROR and refusal in r.getMessage()]
        assert lines, [r.getMessage() for r in caplog.records]
        assert lines[0].getMessage().startswith(f"cannot connect to MQTT broker {broker.url}: TLS: the broker's "
                                                f"certificate is refused: {refusal}")
        assert len(lines) == 1  # the same reason again is not logged again within the minute
        # paho waits 1 s, then doubling, between attempts: a tight loop would make hundreds
        client = mqtt_client(broker.url, f"counted-{broker_cert}", v5=True, persistent=False, tls=certs.client)
        started = time.monotonic()
        connect_async(client, broker.url, v5=True, persistent=False)
        client.loop_start()
        time.sleep(3)
        client.loop_stop()
        failures = client.connect_failures
        assert failures is not None and 1 <= failures.count <= 1 + (time.monotonic() - started), failures.count
    finally:
        broker.stop()


def test_the_hub_refuses_a_wrong_broker_and_says_so(tmp_path: Path, certs: Certificates,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    broker = start_broker(tmp_path, certs, "other-name")
    caplog.set_level(logging.WARNING, logger="hub.trust.tls")
    files = certs.client
    settings = Settings(data_dir=tmp_path / "hub", mqtt=broker.url, mqtt_client_id="hub-refuses",
                        tls_ca_file=files.ca_file, tls_cert_file=files.cert_file, tls_key_file=files.key_file)
    try:
        with running_hub(settings) as hub:
            wait_for(lambda: any("address mismatch" in r.getMessage() for r in caplog.records),
                     what="the hub's log line")
            health = hub.get("/healthz").json()
            assert not hub.hub.ingests["mqtt"].connected.is_set()
            assert json.dumps(health).count('"connected": false') >= 1, health
    finally:
        broker.stop()


def test_tls_files_that_cannot_be_used_are_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TLS CA file"):
        client_context(TlsFiles(ca_file=str(tmp_path / "missing.pem")))
    with pytest.raises(ValueError, match="tls_key_file is set without tls_cert_file"):
        client_context(TlsFiles(key_file="k.pem"))


def test_kafka_takes_the_tls_files_only_where_its_options_ask_for_tls() -> None:
    files = TlsFiles("ca.pem", "c.pem", "c.key")
    assert kafka_options(files, {}) == {}
    assert kafka_options(files, {"security_protocol": "SASL_SSL", "ssl_cafile": "own.pem"}) == {
        "security_protocol": "SASL_SSL", "ssl_cafile": "own.pem", "ssl_certfile": "c.pem", "ssl_keyfile": "c.key"}
    assert kafka_options(None, {"security_protocol": "SSL"}) == {"security_protocol": "SSL"}
