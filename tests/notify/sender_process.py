"""A sender as its own process, for the crash tests: `python -m tests.notify.sender_process DB_URL SMS_URL`
delivers the outbox's SMS notices one at a time until it is killed."""

from __future__ import annotations

import sys
import time

from hub.incidents.db import open_db
from hub.notify.channels.sms import SmsChannel
from hub.notify.outbox import Outbox
from hub.notify.sender import Sender


def main() -> None:
    sender = Sender(Outbox(open_db(sys.argv[1])), {"sms": SmsChannel(sys.argv[2])}, name="doomed")
    while True:
        for notice in sender.outbox.claim(sender.name, time.time(), sender.policy.lease_s, limit=1):
            sender._deliver(notice)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
