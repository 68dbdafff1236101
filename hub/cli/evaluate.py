"""`cityhub evaluate --cases FILE.csv`: the evaluation indicators of a city's historic case log.

Bad rows go to standard error as `line N: reason` and are left out of every count; the exit
status is 0 when the log could be read (bad rows or not), 1 when it could not (no such file, a
header without the columns), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.supervision.worktime import BEIJING

HEADINGS = (("due", "应结案"), ("closed", "结案"), ("handled_on_time", "按时处置"), ("closed_on_time", "按期结案"),
            ("reworked", "返工"), ("closure_rate", "结案率"), ("on_time_closure_rate", "按期结案率"),
            ("on_time_handling_rate", "按时处置率"), ("rework_rate", "返工率"), ("score", "得分"), ("grade", "等级"))
JSON_FIELDS = ("due", "closed", "handled_on_time", "closed_on_time", "reworked", "closure_rate",
               "on_time_closure_rate", "on_time_handling_rate", "rework_rate", "score", "grade")


def instant(text: str) -> datetime:
    """A date (midnight, Beijing time) or an ISO 8601 time with its UTC offset."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=BEIJING)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset")
    return at


def register(commands: Any) -> None:
    cmd = commands.add_parser("evaluate", help="evaluation indicators (考核) from a historic case log (CSV)")
    cmd.add_argument("--cases", type=Path, required=True, metavar="FILE.csv",
                     help="one row a case; columns in docs/EVALUATION.md")
    cmd.add_argument("--from", dest="start", type=instant, help="cases dispatched from this date/time on")
    cmd.add_argument("--to", dest="end", type=instant, help="cases dispatched before, and due before, this")
    cmd.add_argument("--by", choices=("department", "district", "inspector"),
                     help="one line per department or district; inspector: 有效上报率 and 漏报率 per reporting "
                          "inspector (needs the reporter and grid_code columns)")
    cmd.add_argument("--json", action="store_true", help="one JSON object a line per group")
    cmd.set_defaults(func=run_evaluate)


INSPECTOR_HEADINGS = (("reports", "上报数"), ("effective_reports", "有效上报数"),
                      ("effective_report_rate", "有效上报率"), ("grid_cases", "网格立案数"),
                      ("public_cases", "公众举报立案数"), ("missed_report_rate", "漏报率"))


def _print_inspectors(args: argparse.Namespace, rows: dict[str, dict[str, Any]]) -> int:
    """One line per reporting inspector, by name; a log without the reporter column has none."""
    if not rows:
        print(f"cityhub: {args.cases}: no inspector rows with a reporter (columns reporter, grid_code)",
              file=sys.stderr)
    if not args.json:
        print("\t".join(["监督员"] + [h for _, h in INSPECTOR_HEADINGS]))
    for who, row in sorted(rows.items()):
        if args.json:
            print(json.dumps({"inspector": who, **{k: row[k] for k, _ in INSPECTOR_HEADINGS}}, ensure_ascii=False))
        else:
            print("\t".join([who] + [_cell(k, row[k]) for k, _ in INSPECTOR_HEADINGS]))
    return 0


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if key.endswith("_rate") else str(value)


def run_evaluate(args: argparse.Namespace) -> int:
    from hub.settings import load_settings
    from hub.supervision.caselog import inspectors, read_case_log, to_cases
    from hub.supervision.evaluation import evaluate, total
    from hub.supervision.workcalendar import CalendarFileError
    from hub.supervision.worktime import use_calendar_file, work_clock

    if args.start and args.end and args.start >= args.end:
        print("cityhub: --from must be before --to", file=sys.stderr)
        return 2
    settings = load_settings()
    try:
        use_calendar_file(settings.work_calendar_file)
    except CalendarFileError as err:
        print(f"cityhub: work calendar: {err}", file=sys.stderr)
        return 1
    clock = work_clock(settings.work_windows)
    if not args.cases.is_file():
        print(f"cityhub: no such case log: {args.cases}", file=sys.stderr)
        return 1
    log = read_case_log(args.cases, clock)
    for line, reason in log.bad:
        print(f"cityhub: {args.cases}: line {line}: {reason}", file=sys.stderr)
    if log.bad and log.bad[0][0] == 1:
        return 1
    start = args.start.timestamp() if args.start else float("-inf")
    end = args.end.timestamp() if args.end else float("inf")
    if args.by == "inspector":
        return _print_inspectors(args, inspectors(log.rows, start, end))
    rows = evaluate(to_cases(log.rows, clock, args.by), start, end, settings.evaluation_weights)
    if not args.by:
        rows = [{"group": "全部", **total(rows, settings.evaluation_weights)}]
    if args.json:
        for row in rows:
            keyed = {args.by: row["group"]} if args.by else {}
            print(json.dumps({**keyed, **{k: row[k] for k in JSON_FIELDS}}, ensure_ascii=False))
        return 0
    print("\t".join(["排名", {"department": "部门", "district": "区县"}.get(args.by, "范围")]
                    + [h for _, h in HEADINGS]))
    for rank, row in enumerate(rows, 1):
        print("\t".join([str(rank), str(row["group"])] + [_cell(k, row[k]) for k, _ in HEADINGS]))
    print(f"# {len(log.rows)} cases read, {len(log.bad)} bad rows left out", file=sys.stderr)
    return 0
