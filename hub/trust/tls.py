"""TLS for the hub's broker connections: one client context from the settings' CA, certificate and key.

`mqtts://` URLs (hub, publishers, simulators) use `client_context`: the broker's certificate must
chain to `tls_ca_file` (or, without one, to the system's CAs), be in date, and name the host of the
URL; with `tls_cert_file`/`tls_key_file` the client shows its own certificate. TLS 1.2 at least.
A refused handshake is logged by `ConnectFailures` with what was wrong, and paho retries with its
backoff (1 s, doubling to 10 s): never a tight loop.
"""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
REPEAT_LOG_S = 60  # the same connection failure is logged again at most this often (with a count)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @classmethod
    def of(cls, settings: Any) -> TlsFiles | None:
        files = cls(settings.tls_ca_file, settings.tls_cert_file, settings.tls_key_file)
        return files if files != cls() else None


def client_context(files: TlsFiles | None) -> ssl.SSLContext:
    """A verifying client context; raises ValueError naming the file that cannot be used."""
    files = files or TlsFiles()
    try:
        context = ssl.create_default_context(cafile=files.ca_file)
    except (OSError, ssl.SSLError) as err:
        raise ValueError(f"TLS CA file {files.ca_file!r} cannot be used: {err}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if files.cert_file:
        try:
            context.load_cert_chain(files.cert_file, files.key_file)
        except (OSError, ssl.SSLError) as err:
            raise ValueError(f"TLS client certificate {files.cert_file!r} / key {files.key_file!r} "
                             f"cannot be used: {err}") from None
    elif files.key_file:
        raise ValueError("tls_key_file is set without tls_cert_file")
    return context


def describe(err: BaseException) -> str:
    """What was wrong with a connection, in the operator's terms."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"TLS: the broker's certificate is refused: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return f"TLS handshake failed: {err.reason or err}"
    return f"{type(err).__name__}: {err}"


class ConnectFailures:
    """Logs why a broker connection failed: a new reason at once, the same one again at most every minute."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.last: str | None = None
        self.count = 0
        self._logged_at = -float("inf")

    def failed(self, err: BaseException | None) -> None:
        reason = describe(err) if err is not None else "unknown reason"
        self.count += 1
        now = time.monotonic()
        if reason != self.last or now - self._logged_at >= REPEAT_LOG_S:
            level = logging.ERROR if isinstance(err, ssl.SSLError) else logging.WARNING
            log.log(level, "cannot connect to %s: %s (attempt %d; retrying with backoff up to 10 s)",
                    self.what, reason, self.count)
            self._logged_at = now
        self.last = reason

    def connected(self) -> None:
        self.last, self.count = None, 0


def kafka_options(files: TlsFiles | None, options: dict[str, Any]) -> dict[str, Any]:
    """Kafka client options (kafka-python's names) with the TLS files filled in where the options ask for TLS
    (`security_protocol` SSL or SASL_SSL) and name no file of their own; plaintext options stay as they are."""
    if files is None or options.get("security_protocol") not in ("SSL", "SASL_SSL"):
        return options
    added = {option: path for option, path in (("ssl_cafile", files.ca_file), ("ssl_certfile", files.cert_file),
                                                ("ssl_keyfile", files.key_file)) if path and option not in options}
    return options | added
