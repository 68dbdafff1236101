"""Adapters: one per source system, a pure mapping from its native messages to canonical CloudEvents."""
