"""The actors of Secure Communities as pipeline stages, and the disclosure gate (issue 8)."""
