"""Webhook notices to a real HTTP endpoint shaped like a group bot (signed), and SMS through the
simulated gateway process: delivered, and retried while the other side refuses."""

from __future__ import annotations

from pathlib import Path

from hub.incidents.db import open_db
from hub.notify.channels.sms import SmsChannel
from hub.notify.channels.webhook import WebhookChannel
from hub.notify.outbox import Notice, Outbox
from hub.notify.sender import RetryPolicy, Sender
from tests.notify.sinks import WebhookBot
from tests.support import HTTP

T0 = 1_780_000_000.0


def queued(tmp_path: Path, channel: str, addresses: list[str]) -> Outbox:
    outbox = Outbox(open_db(f"sqlite:///{tmp_path / 'hub.sqlite'}"))
    with outbox.db.exclusive():
        outbox.add([Notice(f"k{i}", "weather_warning", channel, f"r{i}", address, "【预警】暴雨红色预警",
                           "蓬江区：暴雨红色预警信号生效，请做好防御。", None)
                    for i, address in enumerate(addresses)], T0)
    return outbox


def test_webhooks_post_the_bot_shape_signed(tmp_path: Path) -> None:
    bot = WebhookBot("s3cret")
    bot.start()
    try:
        outbox = queued(tmp_path, "webhook", ["cgj", bot.url("direct")])
        channel = WebhookChannel({"cgj": bot.url("cgj")}, secret="s3cret")
        clock = [T0]
        sender = Sender(outbox, {"webhook": channel}, RetryPolicy(first_retry_s=5), clock=lambda: clock[0])
        bot.fail_next = 1  # the bot's rate limit answers errcode ≠ 0: tried again later
        assert sender.run_once() == 1
        clock[0] += 5
        assert sender.run_once() == 1
        assert sorted(path for path, _, _ in bot.received) == ["/cgi-bin/webhook/send?key=cgj",
                                                               "/cgi-bin/webhook/send?key=direct"]
        _, message, _ = bot.received[0]
        assert message["msgtype"] == "markdown"
        assert message["markdown"]["content"].startswith("**【预警】暴雨红色预警**\n蓬江区")
        assert bot.rejected == 0
        wrong = Sender(queued(tmp_path / "b", "webhook", [bot.url("x")]),
                       {"webhook": WebhookChannel(secret="not-the-secret")})
        assert wrong.run_once() == 0 and bot.rejected == 1
    finally:
        bot.stop()


def test_sms_through_the_gateway_and_again_after_it_was_away(tmp_path: Path, sms_gateway: str) -> None:
    outbox = queued(tmp_path, "sms", ["13800000001", "13800000002", "12345"])
    clock = [T0]
    sender = Sender(outbox, {"sms": SmsChannel(sms_gateway + "/sms/send")}, RetryPolicy(first_retry_s=5),
                    clock=lambda: clock[0])
    HTTP.post(sms_gateway + "/admin/fail", params={"n": 2})
    assert sender.run_once() == 0  # two refused (503: tried again), one a bad number (given up)
    clock[0] += 5
    assert sender.run_once() == 2
    sent = HTTP.get(sms_gateway + "/sms/messages").json()["messages"]
    assert sorted(m["mobile"] for m in sent) == ["13800000001", "13800000002"]
    assert all(m["content"].startswith("【江门一网统管】【预警】暴雨红色预警") for m in sent)
    bad = next(n for n in outbox.search() if n["address"] == "12345")
    assert bad["state"] == "failed" and bad["attempts"] == 1 and "invalid mobile" in bad["last_error"]
