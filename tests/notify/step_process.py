"""Dispatch a case with the notifier watching, then die at once (SIGKILL), before any sender runs:
`python -m tests.notify.step_process DB_URL INCIDENT_ID SMTP_URL`."""

from __future__ import annotations

import os
import signal
import sys

from hub.incidents import open_incidents
from hub.notify.channels.smtp import SmtpChannel
from hub.notify.service import Notifier
from tests.notify.book import book


def main() -> None:
    engine = open_incidents(sys.argv[1])
    notifier = Notifier(engine.store.db, book(), {"email": SmtpChannel(sys.argv[3])})
    notifier.watch(engine.store)
    engine.transition(int(sys.argv[2]), "dispatched", note="派遣后进程即崩溃")
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
