"""E-mail notices through a real SMTP server (aiosmtpd): delivered, retried with backoff while the server
is away, and an alarm once the channel has failed N times in a row."""

from __future__ import annotations

from pathlib import Path

from hub.incidents.db import open_db
from hub.notify.channels.smtp import SmtpChannel
from hub.notify.outbox import Notice, Outbox
from hub.notify.sender import RetryPolicy, Sender
from tests.notify.sinks import SmtpSink

T0 = 1_780_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def queued(db_url: str, n: int) -> Outbox:
    outbox = Outbox(open_db(db_url))
    with outbox.db.exclusive():
        outbox.add([Notice(f"k{i}", "dispatched", "email", "cgj", "duty@cgj.example",
                           f"【派遣】案件 #{i} 道路积水", f"市城管局：案件 #{i} 已派遣贵单位处置。", i)
                    for i in range(n)], T0)
    return outbox


def test_notices_arrive_by_email_in_chinese(db_url: str, smtp_sink: SmtpSink) -> None:
    outbox = queued(db_url, 3)
    sender = Sender(outbox, {"email": SmtpChannel(smtp_sink.url)})
    assert sender.run_once() == 3
    assert sender.run_once() == 0
    assert smtp_sink.mailbox.subjects() == [f"【派遣】案件 #{i} 道路积水" for i in range(3)]
    message = smtp_sink.mailbox.messages[0]
    assert message["To"] == "duty@cgj.example"
    assert "已派遣贵单位处置" in message.get_content()
    assert {n["state"] for n in outbox.search()} == {"sent"}


def test_a_server_away_is_retried_with_backoff_and_raises_one_alarm(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    sink = SmtpSink()  # its port is chosen, the server not started yet
    outbox = queued(db_url, 2)
    clock, alarms = Clock(), []
    policy = RetryPolicy(first_retry_s=10, max_retry_s=40, max_attempts=20, alarm_after=4)
    sender = Sender(outbox, {"email": SmtpChannel(sink.url, timeout_s=2)}, policy,
                    on_alarm=lambda channel, n, error: alarms.append((channel, n)), clock=clock)
    assert sender.run_once() == 0  # attempt 1 of each: both due again in 10 s
    assert sender.run_once() == 0 and outbox.claim("x", clock.now, 1) == []  # nothing due before then
    waits = []
    for _ in range(3):
        row = outbox.search()[0]
        waits.append(row["next_at"] - clock.now)
        clock.now = row["next_at"]
        assert sender.run_once() == 0
    assert waits == [10, 20, 40]  # doubling up to the cap
    assert alarms == [("email", 4)]  # once, on the 4th failure in a row; not again on the rest
    assert outbox.channels()[0]["failures"] == 8
    sink.start()
    try:
        clock.now += 40
        assert sender.run_once() == 2
        assert sorted(sink.mailbox.subjects()) == ["【派遣】案件 #0 道路积水", "【派遣】案件 #1 道路积水"]
        assert [n["attempts"] for n in outbox.search()] == [5, 5]
        assert outbox.channels()[0]["failures"] == 0
    finally:
        sink.stop()


def test_a_notice_that_never_gets_through_is_given_up_with_its_reason(tmp_path: Path) -> None:
    outbox = queued(f"sqlite:///{tmp_path / 'hub.sqlite'}", 1)
    clock = Clock()
    sender = Sender(outbox, {"email": SmtpChannel(SmtpSink().url, timeout_s=2)},
                    RetryPolicy(first_retry_s=1, max_attempts=3), clock=clock)
    for _ in range(5):
        sender.run_once()
        clock.now += 100
    [row] = outbox.search()
    assert row["state"] == "failed" and row["attempts"] == 3
    assert "SMTP 127.0.0.1" in row["last_error"]
