"""`cityhub keys issue|list|revoke`: the source systems' Ed25519 signing keys (hub/trust, docs/SECURITY.md)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# an adapter of the registry, or another vendor's source system as `<domain>-<system>` (hub.trust.signing)
ADAPTER_NAME = re.compile(r"^[a-z]+-[A-Za-z0-9._-]{1,64}$")


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="source systems' signing keys: issue, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True, parser_class=type(keys))
    issue = actions.add_parser("issue", help="make a key pair: write the private half, register the public half")
    issue.add_argument("adapter", help="the adapter (source system) name, e.g. parking-lots")
    issue.add_argument("--out", type=Path, required=True, metavar="PRIVATE.pem", help="where the private key goes")
    listing = actions.add_parser("list", help="every registered key, live and revoked")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    revoke = actions.add_parser("revoke", help="revoke every live key of an adapter, or one (--key)")
    revoke.add_argument("adapter")
    revoke.add_argument("--key", metavar="PUBLIC_KEY", help="only this key (its public half, as `keys list` shows); "
                        "write --key=KEY, since a key may begin with -")
    for action in (issue, listing, revoke):
        action.add_argument("--db", help="sqlite:///PATH or postgresql://… (default: the hub's store)")
        action.add_argument("--config", type=Path, help="the hub's YAML settings")
    issue.set_defaults(func=run_issue)
    listing.set_defaults(func=run_list)
    revoke.set_defaults(func=run_revoke)


def _table(args: argparse.Namespace) -> Any:
    from hub.settings import load_settings
    from hub.trust.keys import KeyTable

    return KeyTable(load_settings(args.config, db=args.db).store_url)


def _bad_name(name: str) -> bool:
    from adapters.registry import ADAPTERS

    if name in ADAPTERS or ADAPTER_NAME.match(name):
        return False
    print(f"cityhub: {name!r} is no adapter name: one of `cityhub adapters`, or <domain>-<system>", file=sys.stderr)
    return True


def run_issue(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from hub.trust.keys import private_pem

    if _bad_name(args.adapter):
        return 2
    if args.out.exists():
        print(f"cityhub: {args.out} exists; a private key is never overwritten", file=sys.stderr)
        return 1
    key = Ed25519PrivateKey.generate()
    # the private half first, readable by its owner only: a key registered but never written would be lost
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem(key))
    try:
        row = _table(args).add(args.adapter, key.public_key())
    except BaseException:
        args.out.unlink()
        raise
    print(json.dumps({"adapter": row.adapter, "public_key": row.public_key, "issued_at": _time(row.issued_at),
                      "private_key_file": str(args.out)}))
    return 0


def run_list(args: argparse.Namespace) -> int:
    for row in _table(args).rows():
        doc = {"adapter": row.adapter, "public_key": row.public_key, "issued_at": _time(row.issued_at),
               "revoked_at": _time(row.revoked_at) if row.revoked_at is not None else None}
        if args.json:
            print(json.dumps(doc))
        else:
            state = f"revoked {doc['revoked_at']}" if row.revoked_at is not None else "live"
            print(f"{row.adapter:24} {row.public_key}  issued {doc['issued_at']}  {state}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    count = _table(args).revoke(args.adapter, key=args.key)
    if count == 0:
        which = f"no live key {args.key}" if args.key else "no live key"
        print(f"cityhub: {args.adapter!r} has {which}", file=sys.stderr)
        return 1
    print(json.dumps({"adapter": args.adapter, "revoked": count}))
    return 0


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
