"""`cityhub serve` and `cityhub demo`."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any

import uvicorn

from hub.settings import load_settings


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the hub against real brokers")
    serve.add_argument("--config", type=Path, help="YAML settings file (keys as in hub/settings.py)")
    serve.add_argument("--mqtt", help="mqtt://[user:pass@]host:port")
    serve.add_argument("--kafka", help="host:port of a Kafka bootstrap server")
    serve.add_argument("--db", help="sqlite:///PATH or postgresql://…")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=run_serve)

    demo = commands.add_parser("demo", help="embedded broker, hub on SQLite, every simulator, live map")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--mqtt-port", type=int, default=11883)
    demo.add_argument("--duration", type=float, help="stop by itself after this many seconds")
    demo.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    demo.add_argument("--rate", type=float, default=50, help="simulated events per second")
    demo.add_argument("--seed", type=int, default=2021)
    demo.set_defaults(func=run_demo)


def run_serve(args: argparse.Namespace) -> int:
    from hub.api.app import create_app
    from hub.runtime import Hub
    from hub.websocket import LiveWebSocketProtocol

    settings = load_settings(args.config, mqtt=args.mqtt, kafka=args.kafka, db=args.db, host=args.host, port=args.port)
    app = create_app(Hub(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", ws=LiveWebSocketProtocol)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from hub.demo import Demo

    demo = Demo(port=args.port, mqtt_port=args.mqtt_port, data_dir=args.data_dir, rate=args.rate, seed=args.seed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    demo.run(stop, args.duration)
    return 0
