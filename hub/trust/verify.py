"""The hub's check that an event comes from the source system it names (hub/decode.py calls it).

An event that carries `signature` must verify, whatever the setting: its `kid` must be the adapter
of the event's `source`, and one of that adapter's live keys must have signed exactly this event.
An event without one passes only while `required` is off (the single-machine demo).
"""

from __future__ import annotations

from typing import Any

from hub.trust.keys import KeyRing
from hub.trust.signing import ATTRIBUTE, BadSignature, adapter_of, parse, verifies


class Verifier:
    def __init__(self, ring: KeyRing, required: bool) -> None:
        self.ring, self.required = ring, required

    def __call__(self, ce: dict[str, Any]) -> None:
        """Return if `ce` may go on; raise BadSignature with the reason otherwise."""
        source = ce.get("source")
        if not isinstance(source, str) or ce.get("specversion") is None:
            return  # not an event at all: the envelope check words the reason
        if ATTRIBUTE not in ce:
            if self.required:
                raise BadSignature("unsigned: the event has no signature and signed events are required")
            return
        header, kid, raw = parse(ce[ATTRIBUTE])
        adapter = adapter_of(source)
        if adapter is None:
            return  # a malformed source: the envelope check refuses it
        if kid != adapter:
            raise BadSignature(f"signature: signed as {kid[:64]!r}, but the source {source[:256]} is {adapter!r}")
        known = self.ring.get(adapter)
        if known is None:
            raise BadSignature(f"signature: {adapter!r} has no key registered")
        if verifies(ce, header, raw, known.live):
            return
        if known.revoked and verifies(ce, header, raw, known.revoked):
            raise BadSignature(f"signature: made with a revoked key of {adapter!r}")
        raise BadSignature(f"signature: does not verify with the key of {adapter!r} "
                           "(the event was altered, or signed with another key)")
