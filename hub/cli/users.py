"""`cityhub users add|list|disable`: the platform's named users, in the hub's database (`--db` as for `serve`)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from hub.people.scopes import ROLES


def register(commands: Any) -> None:
    users = commands.add_parser("users", help="named users: add, list, disable")
    actions = users.add_subparsers(dest="users_command", required=True, parser_class=type(users))
    add = actions.add_parser("add", help="add a user (password from --password-file or a prompt)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--department", help="the handling department (department users)")
    add.add_argument("--district", help="6-digit district code (district users; optional for departments)")
    add.add_argument("--town", help="9-digit town/street code (town users)")
    add.add_argument("--password-file", type=Path, help="a file whose first line is the password")
    add.set_defaults(func=run_add)
    listing = actions.add_parser("list", help="list the users")
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(func=run_list)
    disable = actions.add_parser("disable", help="disable a user and revoke their sign-ins")
    disable.add_argument("name")
    disable.set_defaults(func=run_disable)
    for parser in (add, listing, disable):
        parser.add_argument("--db", help="sqlite:///PATH or postgresql://… (default: the configured store)")


def open_from(args: argparse.Namespace) -> Any:
    from hub.people import open_people
    from hub.settings import load_settings

    return open_people(args.db or load_settings().store_url)


def operator_name() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password(path: Path | None) -> str | None:
    if path is not None:
        lines = path.read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("password: ")
    return first if getpass.getpass("again: ") == first else None


def run_add(args: argparse.Namespace) -> int:
    from hub.people.scopes import BadUser

    password = read_password(args.password_file)
    if password is None:
        print("cityhub: no password: give --password-file, or type it twice the same at the prompt", file=sys.stderr)
        return 2
    people = open_from(args)
    try:
        user = people.users.add(args.name, args.role, password, args.department, args.district, args.town)
        people.audit.append(operator_name(), "user.add", user.name, user.to_dict())
    except BadUser as err:
        print(f"cityhub: {err}", file=sys.stderr)
        return 2
    finally:
        people.close()
    print(json.dumps(user.to_dict(), ensure_ascii=False))
    return 0


def run_list(args: argparse.Namespace) -> int:
    people = open_from(args)
    try:
        for user in people.users.list():
            row = user.to_dict()
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                area = " ".join(f"{k}={v}" for k, v in row.items() if k in ("department", "district", "town") and v)
                print(f"{user.name}\t{user.role}\t{area or 'city'}\t{'disabled' if user.disabled else 'active'}")
    finally:
        people.close()
    return 0


def run_disable(args: argparse.Namespace) -> int:
    people = open_from(args)
    try:
        if not people.users.disable(args.name):
            print(f"cityhub: no user {args.name!r}", file=sys.stderr)
            return 1
        revoked = people.tokens.revoke_all(args.name)
        people.audit.append(operator_name(), "user.disable", args.name, {"tokens_revoked": revoked})
    finally:
        people.close()
    print(json.dumps({"name": args.name, "disabled": True, "tokens_revoked": revoked}))
    return 0
