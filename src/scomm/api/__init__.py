"""HTTP API for agencies."""
