"""`cityhub audit verify`: check the audit log's hash chain (hub/people/audit.py)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, parser_class=type(audit))
    verify = actions.add_parser("verify", help="exit 0 when the hash chain holds, 1 naming the first broken row")
    verify.add_argument("--db", help="sqlite:///PATH or postgresql://… (default: the configured store)")
    verify.add_argument("--json", action="store_true", help="one JSON object")
    verify.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from hub.people.audit import AuditLog
    from hub.people.tables import open_people_db
    from hub.settings import load_settings

    db = open_people_db(args.db or load_settings().store_url)
    try:
        rows, broken = AuditLog(db).verify()
    finally:
        db.close()
    if args.json:
        print(json.dumps({"rows": rows, "holds": broken is None, "row": broken.seq if broken else None,
                          "reason": broken.reason if broken else None}))
    if broken is not None:
        print(f"cityhub: audit chain broken at row {broken.seq}: {broken.reason}", file=sys.stderr)
        return 1
    if not args.json:
        print(f"audit chain holds: {rows} rows")
    return 0
