"""A Mosquitto TLS listener of the tests' own, with a CA and certificates made by `trustme`: the good ones,
and a broker certificate for another name, from an unknown CA, or out of date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme

from hub.trust.tls import TlsFiles
from tests.transport.brokers import BrokerProcess, mosquitto_command

BROKER_CERTS = ("good", "other-name", "unknown-ca", "expired")


class Certificates:
    """Files under `folder`: ca.pem; client.pem/client.key; broker-<kind>.pem/.key for each of BROKER_CERTS."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        ca, stranger = trustme.CA(), trustme.CA()
        ca.cert_pem.write_to_path(str(folder / "ca.pem"))
        now = datetime.now(UTC)
        leaves = {
            "good": ca.issue_cert("127.0.0.1", "localhost"),
            "other-name": ca.issue_cert("mqtt.other.example"),
            "unknown-ca": stranger.issue_cert("127.0.0.1", "localhost"),
            "expired": ca.issue_cert("127.0.0.1", "localhost", not_before=now - timedelta(days=30),
                                     not_after=now - timedelta(days=1)),
            "client": ca.issue_cert("cityhub-hub"),
        }
        for name, leaf in leaves.items():
            prefix = "client" if name == "client" else f"broker-{name}"
            with open(folder / f"{prefix}.pem", "wb") as chain:
                for pem in leaf.cert_chain_pems:
                    chain.write(pem.bytes())
            leaf.private_key_pem.write_to_path(str(folder / f"{prefix}.key"))

    @property
    def client(self) -> TlsFiles:
        """What the hub and the publishers are given: the city's CA, their certificate and key."""
        return TlsFiles(str(self.folder / "ca.pem"), str(self.folder / "client.pem"), str(self.folder / "client.key"))

    def env(self) -> dict[str, str]:
        files = self.client
        return {"CITYHUB_TLS_CA_FILE": str(files.ca_file), "CITYHUB_TLS_CERT_FILE": str(files.cert_file),
                "CITYHUB_TLS_KEY_FILE": str(files.key_file)}


class TlsMosquitto(BrokerProcess):
    """Mosquitto with one TLS listener that requires a client certificate from the CA, and persistence."""

    name = "mosquitto-tls"

    def __init__(self, port: int, workdir: Path, certs: Certificates, broker_cert: str = "good") -> None:
        super().__init__(port, workdir)
        self.certs, self.broker_cert = certs, broker_cert

    def command(self) -> list[str]:
        folder = self.certs.folder
        lines = [f"listener {self.port} 127.0.0.1", f"cafile {folder / 'ca.pem'}",
                 f"certfile {folder / f'broker-{self.broker_cert}.pem'}",
                 f"keyfile {folder / f'broker-{self.broker_cert}.key'}", "require_certificate true",
                 "allow_anonymous true", "persistence true", f"persistence_location {self.workdir}/",
                 "max_queued_messages 100000", "log_dest stdout", "log_type all"]
        return mosquitto_command(self.workdir, lines)

    @property
    def url(self) -> str:
        return f"mqtts://127.0.0.1:{self.port}"
