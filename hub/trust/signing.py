"""Signed CloudEvents: the extension attribute `signature` proves which source system sent an event.

The format is public so that any vendor's adapter can sign:

- `signature` holds a JWS compact serialization with a detached payload (RFC 7515 Appendix F):
  `BASE64URL(header) + ".." + BASE64URL(Ed25519 signature)`;
- the header is `{"alg": "EdDSA", "kid": "<adapter name>"}` (RFC 8037: Ed25519);
- the payload, left out of the serialization, is the event's JSON canonicalized by RFC 8785 (JCS)
  without the `signature` attribute; the signing input is, as in every JWS,
  `BASE64URL(header) + "." + BASE64URL(payload)`.

In binary content mode the event is the one the hub rebuilds: the CloudEvents attributes carried as
headers (Kafka `ce_*`, MQTT 5 user properties), each a string, plus `data`; `signature` travels
as one more such header (`ce_signature`, or the user property `signature`).

The adapter name of a source is the registry's adapter of its domain and system (`parking-lots` for
`/jiangmen/parking/lots/…`); a system the registry does not know is `<domain>-<system>`.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import Any

import orjson
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ATTRIBUTE = "signature"
ALGORITHM = "EdDSA"
MAX_SIGNATURE_CHARS = 1024  # a header with a short kid and a 64-byte signature take about 160


class BadSignature(Exception):
    """Why a signature does not prove the event's origin; the text is the dead letter's reason."""


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not text.isascii() or "=" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(event: Mapping[str, Any]) -> bytes:
    """The signed payload: the event without `signature`, canonicalized by RFC 8785."""
    try:
        return rfc8785.dumps({k: v for k, v in event.items() if k != ATTRIBUTE})
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise BadSignature(f"signature: the event cannot be canonicalized (RFC 8785): {err}") from None


def sign(event: Mapping[str, Any], key: Ed25519PrivateKey, kid: str) -> str:
    """The `signature` value for `event` (any `signature` already in it is left out of what is signed)."""
    header = b64url(orjson.dumps({"alg": ALGORITHM, "kid": kid}))
    signing_input = f"{header}.{b64url(canonical(event))}".encode("ascii")
    return f"{header}..{b64url(key.sign(signing_input))}"


def signed(event: Mapping[str, Any], key: Ed25519PrivateKey, kid: str) -> dict[str, Any]:
    """A copy of `event` with its `signature`."""
    return {**event, ATTRIBUTE: sign(event, key, kid)}


def parse(signature: object) -> tuple[str, str, bytes]:
    """(encoded header, kid, signature bytes) of a detached compact JWS, or BadSignature saying what is wrong."""
    if not isinstance(signature, str) or len(signature) > MAX_SIGNATURE_CHARS:
        raise BadSignature("signature: not a JWS compact serialization (a string of at most "
                           f"{MAX_SIGNATURE_CHARS} characters)")
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise BadSignature("signature: not a JWS compact serialization with a detached payload (header..signature)")
    try:
        header = orjson.loads(unb64url(parts[0]))
        raw = unb64url(parts[2])
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise BadSignature("signature: the JWS header or signature is not base64url (JSON)") from None
    if not isinstance(header, dict):
        raise BadSignature("signature: the JWS header is not a JSON object")
    if header.get("alg") != ALGORITHM:
        raise BadSignature(f"signature: alg {str(header.get('alg'))[:40]!r} is not {ALGORITHM}")
    if set(header) - {"alg", "kid"}:
        raise BadSignature(f"signature: unsupported JWS header parameters {sorted(set(header) - {'alg', 'kid'})[:5]}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise BadSignature("signature: the JWS header has no kid (the adapter's name)")
    if len(raw) != 64:
        raise BadSignature(f"signature: an Ed25519 signature has 64 bytes, not {len(raw)}")
    return parts[0], kid, raw


def verifies(event: Mapping[str, Any], header: str, raw: bytes, keys: list[Ed25519PublicKey]) -> bool:
    """True if one of `keys` made `raw` over this event under this header."""
    signing_input = f"{header}.{b64url(canonical(event))}".encode("ascii")
    for key in keys:
        try:
            key.verify(raw, signing_input)
            return True
        except InvalidSignature:
            continue
    return False


@functools.cache
def _registry_names() -> dict[tuple[str, str], str]:
    from adapters.registry import ADAPTERS  # the adapters import the hub: only when first needed

    return {(a.domain, a.system): a.name for a in ADAPTERS.values()}


def adapter_of(source: str) -> str | None:
    """The adapter (source system) name of a CloudEvent source `/jiangmen/<domain>/<system>/…`, or None."""
    parts = source.split("/", 4)
    if len(parts) < 4 or parts[0] != "" or not parts[2] or not parts[3]:
        return None
    domain, system = parts[2], parts[3]
    return _registry_names().get((domain, system), f"{domain}-{system}")
