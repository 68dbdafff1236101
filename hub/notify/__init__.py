"""Notices to people: an outbox written with its cause, a sender that retries, channels, triggers as data."""

from __future__ import annotations

from hub.incidents.service import IncidentService, Publish
from hub.notify.channels import Channel
from hub.notify.service import Notifier
from hub.notify.triggers import DATA, load_book
from hub.settings import Settings


def channels_of(settings: Settings) -> dict[str, Channel]:
    """The channels whose servers the settings name; a notice goes only on those."""
    from hub.notify.channels.sms import SmsChannel
    from hub.notify.channels.smtp import SmtpChannel
    from hub.notify.channels.webhook import WebhookChannel

    channels: dict[str, Channel] = {}
    if settings.notify_smtp_url:
        channels["email"] = SmtpChannel(settings.notify_smtp_url)
    if settings.notify_sms_url:
        channels["sms"] = SmsChannel(settings.notify_sms_url)
    if settings.notify_webhooks:
        channels["webhook"] = WebhookChannel(settings.notify_webhooks, settings.notify_webhook_secret)
    return channels


def open_notifier(settings: Settings, incidents: IncidentService, publish: Publish | None = None) -> Notifier:
    """The notifier on the incident engine's database, watching its steps."""
    notifier = Notifier(incidents.store.db, load_book(settings.notifications_file or DATA), channels_of(settings),
                        incidents.duties.escalate_to, publish, incidents.clock, incidents.work_windows)
    notifier.watch(incidents.store)
    return notifier


__all__ = ["Notifier", "channels_of", "open_notifier"]
