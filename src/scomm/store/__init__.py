"""Persistence and the durable work channel (issues 6 and 8)."""
