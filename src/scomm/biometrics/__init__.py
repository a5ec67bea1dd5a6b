"""Fingerprint images, features, templates, comparison and search (issues 3 and 7)."""
