"""Concierge hub: settings, wiring, persistence and the public HTTP/socket surfaces."""
