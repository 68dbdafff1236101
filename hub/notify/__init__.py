"""Notices to people: an outbox written with its cause, a sender that retries, and the channels."""
