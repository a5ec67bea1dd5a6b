"""Synthetic population, histories and booking streams (issue 9)."""
