"""What every transport offers the hub, and the registry that finds a transport by its URL's scheme.

A transport is a package under hub/transports/ (`mqtt/`, `kafka/`) with the same modules:
`broker.py` (its `Broker`: what runtime, the CLI, bench and the tests ask of it), `ingest.py`,
`publisher.py`, `glance.py` (the fresh view's look at the newest events) and `client.py` (the client
library's settings and, for MQTT, the one place that touches the library's internals). Its
`__init__.py` names the URL schemes it serves (`SCHEMES`) and imports no client library, so the hub
loads only the transports it is configured for.

The guarantee every ingest keeps: a message is acknowledged to its broker only after the pipeline
has stored or dead-lettered it (hub.transports.batching), so nothing accepted is lost.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from adapters.base import CloudEvent
    from hub.live import LiveStream
    from hub.pipeline.process import Pipeline
    from hub.settings import Settings

Headers = list[tuple[str, bytes]]
EVENTS_TOPIC = "city.events"  # Kafka's topic of raw events; MQTT's are city/<domain>/<system>


class Ingest(Protocol):
    """Takes messages from a broker into the pipeline; acknowledges each only once it is stored."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def status(self) -> dict[str, Any]: ...


class Publisher(Protocol):
    """Sends canonical events to a broker; keeps a bounded buffer while the broker is away."""

    def publish(self, topic: str, events: list[CloudEvent]) -> None: ...
    def flush(self, timeout: float = 30) -> None: ...
    def close(self) -> None: ...


Lag = Callable[[], int]  # the broker's view of how many events the hub's workers have yet to take


class Broker(Protocol):
    """One transport as the hub uses it; `url` is the transport's own (mqtt://host:port, kafka://host:port)."""

    name: str

    def ingests(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        """The hub's ingest from `url`, and its fresh view when settings ask for one, by status name."""
        ...

    def follow(self, url: str, pipeline: Pipeline, live: LiveStream, settings: Settings) -> dict[str, Ingest]:
        """A map/API instance: a live map fed by what the workers republish, and its fresh view opened
        on the workers' lag as the broker knows it."""
        ...

    def publisher(self, url: str, client_id: str, **options: Any) -> Publisher: ...


def schemes() -> dict[str, str]:
    """URL scheme → transport package, discovered from the packages under hub/transports/."""
    import hub.transports as package

    found: dict[str, str] = {}
    for module in pkgutil.iter_modules(package.__path__):
        if module.ispkg:
            for scheme in importlib.import_module(f"{package.__name__}.{module.name}").SCHEMES:
                found[scheme] = module.name
    return found


def address(url: str) -> str:
    """`host:port[,host:port…]` of a broker URL (Kafka's bootstrap list); a URL without scheme as it is."""
    return url.split("://", 1)[1] if "://" in url else url


@cache
def _broker(package: str) -> Broker:
    broker: Broker = importlib.import_module(f"hub.transports.{package}.broker").BROKER
    return broker


def transport_for(url: str) -> Broker:
    """The transport serving `url`'s scheme; ValueError naming the schemes there are."""
    scheme = urlsplit(url).scheme if "://" in url else ""
    known = schemes()
    if scheme not in known:
        raise ValueError(f"no transport for {url!r}: the schemes are {', '.join(sorted(known))}")
    return _broker(known[scheme])


def kafka_url(bootstrap: str) -> str:
    """The Kafka URL of a `host:port[,…]` setting (settings and `--kafka` take the bootstrap list bare)."""
    return bootstrap if "://" in bootstrap else f"kafka://{bootstrap}"
