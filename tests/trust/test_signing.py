"""Signed events, unit by unit: the public test vector, and every way a signature fails, with its reason."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.events import DeadLetter, Event, Message
from hub.pipeline.decode import Limits, decode
from hub.trust.signing import BadSignature, adapter_of, b64url, canonical, sign, signed
from tests.trust.conftest import Keys
from tests.unit.test_decode import NOW, parking_event

VECTOR = json.loads((Path(__file__).parent / "vector.json").read_text(encoding="utf-8"))


def test_the_published_vector_checks_with_nothing_but_base64_json_and_ed25519() -> None:
    """What a third party does: rebuild the signing input from the JWS and the canonical event, verify."""
    header, empty, signature = VECTOR["signature"].split(".")
    assert empty == ""  # detached payload (RFC 7515 Appendix F)
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "EdDSA", "kid": "parking-lots"}
    payload = base64.urlsafe_b64encode(VECTOR["canonical"].encode()).rstrip(b"=").decode()
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(VECTOR["public_key_base64url"] + "="))
    public.verify(base64.urlsafe_b64decode(signature + "=="), f"{header}.{payload}".encode())


def test_the_vector_is_what_the_hub_computes() -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(VECTOR["private_key_seed_hex"]))
    assert canonical(VECTOR["event"]).decode() == VECTOR["canonical"]
    assert sign(VECTOR["event"], key, VECTOR["kid"]) == VECTOR["signature"]  # Ed25519 is deterministic
    # the RFC 8032 TEST 1 public key: the vector's key is the one anyone can look up
    assert base64.urlsafe_b64decode(VECTOR["public_key_base64url"] + "=").hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def test_the_signature_attribute_is_left_out_of_what_is_signed() -> None:
    key = Ed25519PrivateKey.generate()
    event = parking_event()
    once = signed(event, key, "parking-lots")
    assert canonical(once) == canonical(event)
    assert sign(once, key, "parking-lots") == once["signature"]


def test_adapter_names_come_from_the_registry_and_otherwise_domain_and_system() -> None:
    assert adapter_of("/jiangmen/parking/lots/JM-PK-0001") == "parking-lots"
    assert adapter_of("/jiangmen/emergency/command/E-1") == "emergency-incidents"  # a registry name
    assert adapter_of("/jiangmen/water/othervendor/st-9") == "water-othervendor"
    assert adapter_of("not/a/source") is None


def run(keys: Keys, ce: dict[str, object], required: bool = True, headers: tuple[tuple[str, bytes], ...] = (),
        payload: bytes | None = None) -> Event | DeadLetter:
    message = Message(payload if payload is not None else orjson.dumps(ce), "city/parking/lots", "mqtt",
                      headers=headers, received_at=NOW)
    return decode(message, Limits(max_bytes=8192), keys.verifier(required))


def reason(keys: Keys, ce: dict[str, object], **kwargs: object) -> str:
    result = run(keys, ce, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, DeadLetter), f"accepted: {result}"
    return result.reason


def test_a_genuine_event_passes_and_keeps_its_signature(keys: Keys) -> None:
    ce = signed(parking_event(), keys.issue("parking-lots"), "parking-lots")
    result = run(keys, ce)
    assert isinstance(result, Event) and result.ce["signature"] == ce["signature"]


def test_unsigned_events_pass_only_while_signatures_are_not_required(keys: Keys) -> None:
    keys.issue("parking-lots")
    assert isinstance(run(keys, parking_event(), required=False), Event)
    assert reason(keys, parking_event()) == "unsigned: the event has no signature and signed events are required"


def test_a_signature_present_is_checked_even_when_not_required(keys: Keys) -> None:
    ce = signed(parking_event(), keys.issue("parking-lots"), "parking-lots")
    ce["data"] = {**ce["data"], "free": 0}  # type: ignore[dict-item]
    assert reason(keys, ce, required=False).startswith("signature: does not verify with the key of 'parking-lots'")


def test_an_altered_event_is_refused(keys: Keys) -> None:
    ce = signed(parking_event(), keys.issue("parking-lots"), "parking-lots")
    for change in ({"id": "JM-PK-0001-2"}, {"time": "2020-01-01T00:00:00+08:00"},
                   {"data": {**ce["data"], "free": 13}}, {"subject": "added"}):  # type: ignore[dict-item]
        assert reason(keys, ce | change) == ("signature: does not verify with the key of 'parking-lots' "
                                             "(the event was altered, or signed with another key)")


def test_another_systems_key_is_refused_whatever_kid_it_claims(keys: Keys) -> None:
    keys.issue("parking-lots")
    rival = keys.issue("parking-berths")
    as_itself = signed(parking_event(), rival, "parking-berths")
    assert reason(keys, as_itself) == ("signature: signed as 'parking-berths', but the source "
                                       "/jiangmen/parking/lots/JM-PK-0001 is 'parking-lots'")
    forged_kid = signed(parking_event(), rival, "parking-lots")
    assert reason(keys, forged_kid).startswith("signature: does not verify with the key of 'parking-lots'")


def test_no_key_registered_and_revoked_keys(keys: Keys) -> None:
    key = Ed25519PrivateKey.generate()
    ce = signed(parking_event(), key, "parking-lots")
    assert reason(keys, ce) == "signature: 'parking-lots' has no key registered"
    keys.table.add("parking-lots", key.public_key())
    assert isinstance(run(keys, ce), Event)
    keys.table.revoke("parking-lots")
    assert reason(keys, ce) == "signature: made with a revoked key of 'parking-lots'"
    fresh = keys.issue("parking-lots")  # the rollover: the new key signs, the old stays refused
    assert isinstance(run(keys, signed(parking_event(), fresh, "parking-lots")), Event)
    assert reason(keys, ce) == "signature: made with a revoked key of 'parking-lots'"


def header(doc: dict[str, object]) -> str:
    return b64url(orjson.dumps(doc))


@pytest.mark.parametrize(("signature", "expected"), [
    (17, "signature: not a JWS compact serialization (a string of at most 1024 characters)"),
    ("x" * 2000, "signature: not a JWS compact serialization (a string of at most 1024 characters)"),
    ("abc.def.ghi", "signature: not a JWS compact serialization with a detached payload (header..signature)"),
    ("abc..", "signature: the JWS header or signature is not base64url (JSON)"),
    (header({"alg": "none", "kid": "parking-lots"}) + "..", "signature: alg 'none' is not EdDSA"),
    (header({"alg": "HS256", "kid": "parking-lots"}) + ".." + b64url(b"x" * 32), "signature: alg 'HS256' is not EdDSA"),
    (header({"alg": "EdDSA"}) + ".." + b64url(b"x" * 64), "signature: the JWS header has no kid (the adapter's name)"),
    (header({"alg": "EdDSA", "kid": "parking-lots", "b64": False}) + ".." + b64url(b"x" * 64),
     "signature: unsupported JWS header parameters ['b64']"),
    (header({"alg": "EdDSA", "kid": "parking-lots"}) + ".." + b64url(b"x" * 63),
     "signature: an Ed25519 signature has 64 bytes, not 63"),
    (b64url(b"[1]") + ".." + b64url(b"x" * 64), "signature: the JWS header is not a JSON object"),
])
def test_malformed_signatures_are_refused_with_the_reason(keys: Keys, signature: object, expected: str) -> None:
    keys.issue("parking-lots")
    assert reason(keys, parking_event(signature=signature), required=False) == expected


def test_numbers_beyond_what_jcs_can_carry_are_refused_not_raised(keys: Keys) -> None:
    key = keys.issue("parking-lots")
    ce = parking_event()
    ce["data"] = {**ce["data"], "free": 2**60}  # type: ignore[dict-item]
    with pytest.raises(BadSignature):
        signed(ce, key, "parking-lots")
    ce["signature"] = sign(parking_event(), key, "parking-lots")
    assert reason(keys, ce).startswith("signature: the event cannot be canonicalized (RFC 8785)")


@pytest.mark.parametrize("transport", ["kafka", "mqtt"])
def test_binary_mode_events_are_signed_over_the_event_the_hub_rebuilds(keys: Keys, transport: str) -> None:
    """Attributes in headers (Kafka `ce_*`, MQTT 5 user properties), `signature` among them, the data as body."""
    ce = signed(parking_event(), keys.issue("parking-lots"), "parking-lots")
    prefix = "ce_" if transport == "kafka" else ""
    attributes = tuple((prefix + k, str(v).encode()) for k, v in ce.items() if k != "data")
    body = orjson.dumps(ce["data"])
    assert isinstance(run(keys, ce, headers=attributes, payload=body), Event)
    altered = tuple((k, b"JM-PK-0001-9") if k.endswith("id") else (k, v) for k, v in attributes)
    assert reason(keys, ce, headers=altered, payload=body).startswith("signature: does not verify")
    unsigned = tuple((k, v) for k, v in attributes if not k.endswith("signature"))
    assert reason(keys, ce, headers=unsigned, payload=body).startswith("unsigned:")
