"""The embedded broker of `cityhub demo` (amqtt) as a process of its own, so a test can kill and restart it:
`python tests/transport/amqtt_broker.py PORT`."""

from __future__ import annotations

import sys
import threading

from hub.transports.mqtt.embedded import EmbeddedBroker

if __name__ == "__main__":
    EmbeddedBroker(int(sys.argv[1])).start()
    threading.Event().wait()
