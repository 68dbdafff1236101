"""`cityhub report --month YYYY-MM --format xlsx|pdf|csv --out FILE [--db URL]`: the monthly report (通报)
of the platform's own cases. Exit 0 written, 1 failure (one line on stderr), 2 bad arguments."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any


def month(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-11")
    return text


def register(commands: Any) -> None:
    cmd = commands.add_parser("report", help="the monthly report (月度考核通报): rankings, overdue and reworked cases")
    cmd.add_argument("--month", type=month, required=True, help="YYYY-MM (Beijing time)")
    cmd.add_argument("--format", choices=("xlsx", "pdf", "csv"), required=True)
    cmd.add_argument("--out", type=Path, required=True, help="the file to write")
    cmd.add_argument("--db", help="sqlite:///PATH or postgresql://… (default: the hub's store)")
    cmd.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from hub.incidents.db import open_db
    from hub.settings import load_settings
    from hub.supervision.records import CaseRecords
    from hub.supervision.report import gather, write_csv

    settings = load_settings()
    if not args.out.parent.is_dir():
        print(f"cityhub: no such directory: {args.out.parent}", file=sys.stderr)
        return 1
    db = open_db(args.db or settings.store_url)
    try:
        CaseRecords(db)
        report = gather(db, args.month, settings.evaluation_weights)
    finally:
        db.close()
    if args.format == "csv":
        write_csv(report, args.out)
    elif args.format == "xlsx":
        from hub.supervision.report_xlsx import write_xlsx

        write_xlsx(report, args.out)
    else:
        from hub.supervision.report_pdf import write_pdf

        write_pdf(report, args.out)
    print(f"{args.out}: {report.title}, {len(report.departments)} departments, {len(report.overdue)} overdue",
          file=sys.stderr)
    return 0
