"""The transparency log of every disclosure (issue 6)."""
