"""The publishers' side of signed events: sign each event with its adapter's private key, when one is given."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.trust.keys import load_private
from hub.trust.signing import adapter_of, signed

log = logging.getLogger(__name__)


class Signer:
    """Signs the events of the adapters it holds a key for; others pass unsigned (the hub decides on them)."""

    def __init__(self, keys: dict[str, Ed25519PrivateKey]) -> None:
        self.keys = keys
        self._unkeyed: set[str] = set()

    @classmethod
    def load(cls, specs: list[str]) -> Signer:
        """From `ADAPTER=PRIVATE.pem` items, or directories holding `<adapter>.pem` files (as `keys issue` writes)."""
        keys: dict[str, Ed25519PrivateKey] = {}
        for spec in specs:
            name, sep, file = spec.partition("=")
            if sep:
                keys[name] = load_private(Path(file))
            elif Path(spec).is_dir():
                keys |= {pem.stem: load_private(pem) for pem in sorted(Path(spec).glob("*.pem"))}
            else:
                raise ValueError(f"signing key {spec!r}: give ADAPTER=PRIVATE.pem or a directory of <adapter>.pem")
        return cls(keys)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        adapter = adapter_of(str(event.get("source", "")))
        key = self.keys.get(adapter or "")
        if key is None or adapter is None:
            if adapter not in self._unkeyed:
                self._unkeyed.add(str(adapter))
                log.warning("no signing key for %s: its events go out unsigned", adapter)
            return event
        return signed(event, key, adapter)
