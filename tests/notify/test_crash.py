"""A sender killed in the middle of its work: a fresh sender finishes it once its leases run out, and no
SMS reaches anyone twice (the gateway drops a repeated client id; every notice is sent)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from hub.incidents.db import open_db
from hub.notify.channels.sms import SmsChannel
from hub.notify.outbox import Notice, Outbox
from hub.notify.sender import Sender
from tests.support import HTTP, wait_for

N = 40


def test_a_killed_sender_loses_nothing_and_sends_nothing_twice(db_url: str, sms_gateway: str) -> None:
    outbox = Outbox(open_db(db_url))
    with outbox.db.exclusive():
        outbox.add([Notice(f"case/{i}", "dispatched", "sms", f"r{i}", f"138{i:08d}", f"【派遣】案件 #{i}",
                           "请及时处置。", i) for i in range(N)], time.time())
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    doomed = subprocess.Popen([sys.executable, "-m", "tests.notify.sender_process", db_url,
                               sms_gateway + "/sms/send"], env=env)

    def sent() -> list[dict[str, str]]:
        return list(HTTP.get(sms_gateway + "/sms/messages").json()["messages"])

    try:
        wait_for(lambda: len(sent()) >= 5, what="the first SMS")
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(10)
    assert len(sent()) < N  # killed with work left
    later = time.time() + 200  # past the dead sender's leases
    rescuer = Sender(outbox, {"sms": SmsChannel(sms_gateway + "/sms/send")}, clock=lambda: later)
    while rescuer.run_once():
        pass
    messages = sent()
    assert sorted(m["mobile"] for m in messages) == [f"138{i:08d}" for i in range(N)]
    assert {n["state"] for n in outbox.search(limit=N)} == {"sent"}


def test_a_hub_killed_right_after_a_dispatch_still_sends_its_notice_once(db_url: str, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    from hub.incidents import open_incidents
    from hub.notify.channels.smtp import SmtpChannel
    from hub.notify.service import Notifier
    from tests.incidents.factory import waterlogging
    from tests.notify.book import book

    engine = open_incidents(db_url)
    [incident] = engine.absorb([waterlogging(30)])
    engine.transition(incident.id, "registered")  # type: ignore[arg-type]
    env = os.environ | {"PYTHONPATH": os.getcwd()}
    doomed = subprocess.run([sys.executable, "-m", "tests.notify.step_process", db_url, str(incident.id),
                             smtp_sink.url], env=env, timeout=120)
    assert doomed.returncode == -signal.SIGKILL
    assert engine.store.get(incident.id).state == "dispatched"  # type: ignore[arg-type,union-attr]
    restarted = Notifier(engine.store.db, book(), {"email": SmtpChannel(smtp_sink.url)})
    assert restarted.sender.run_once() == 1
    assert restarted.sender.run_once() == 0
    [mail] = smtp_sink.mailbox.messages
    assert mail["To"] == "dept@test.example" and "派遣后进程即崩溃" in mail.get_content()
    engine.close()
