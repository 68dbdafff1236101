"""`cityhub`: the hub's command line (../shared/CONTRACT.md)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from hub.cli import audit, bench, evaluate, geo, keys, maps, report, route, service, sources, users

COMMAND_GROUPS = (
    service,
    sources,
    geo,
    maps,
    bench,
    evaluate,
    users,
    audit,
    keys,
    route,
    report,
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # bad arguments: exit 2 with a one-line reason
        self.print_usage(sys.stderr)
        print(f"cityhub: {message}", file=sys.stderr)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="cityhub", description="Jiangmen unified urban-operations hub (一网统管)")
    top.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in COMMAND_GROUPS:
        group.register(commands)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # one-line reason, exit 1
        logging.getLogger("cityhub").debug("failed", exc_info=True)
        print(f"cityhub: {type(err).__name__}: {err}", file=sys.stderr)
        return 1

