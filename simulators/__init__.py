"""Simulated source systems: each speaks its system's native wire format, deterministically from a seed."""
