"""The upward exchange with the provincial hub (粤治慧): reports up, supervision orders (督办) down."""

from __future__ import annotations

from hub.exchange.province import ProvinceLink
from hub.exchange.reports import OnlineRates, Stats
from hub.incidents.service import IncidentService
from hub.settings import Settings


def open_exchange(settings: Settings, incidents: IncidentService, stats: Stats | None = None,
                  online: OnlineRates | None = None) -> ProvinceLink:
    """The province link on the incident engine's database, reporting its steps."""
    link = ProvinceLink(incidents.store.db, settings.exchange_url, settings.exchange_secret, settings.exchange_city,
                        settings.exchange_min_severity, stats, incidents.clock,
                        kafka_options=settings.kafka_options, online=online, weights=settings.evaluation_weights)
    link.watch(incidents.store)
    return link


__all__ = ["ProvinceLink", "open_exchange"]
