"""A small notifications book for the trigger tests, in the file's own format."""

from __future__ import annotations

from hub.notify.triggers import NoticeBook, load_book, parse_book

REAL = load_book()
DOC = {
    "deadline_share": 0.8,
    "triggers": {tid: {"to": t.to, "subject": t.subject, "body": t.body} for tid, t in REAL.triggers.items()},
    "recipients": [
        {"id": "dept", "role": "department", "department": "测试部门",
         "channels": {"email": "dept@test.example", "sms": "13800000001"}, "only": {"sms": ["overdue"]}},
        {"id": "other", "role": "department", "department": "别的部门", "channels": {"email": "other@test.example"}},
        {"id": "lead", "role": "supervisor", "channels": {"email": "lead@test.example"}},
        {"id": "ops", "role": "operator", "channels": {"email": "ops@test.example", "sms": "13800000009"}},
        {"id": "pj", "role": "district", "district": "440703", "channels": {"email": "pj@test.example"}},
        {"id": "xh", "role": "district", "district": "440705", "channels": {"email": "xh@test.example"}},
        {"id": "baisha", "role": "town", "district": "440703", "town": "440703002",
         "channels": {"sms": "13800000002"}},
    ],
}


def book() -> NoticeBook:
    return parse_book(DOC, "test book")
