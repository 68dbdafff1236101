"""One router module per area of the HTTP API."""
