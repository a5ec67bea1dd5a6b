"""Jurisdictions, the rollout and the sharing-policy engine (issue 5)."""
