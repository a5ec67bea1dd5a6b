"""Jurisdictions, the rollout and the sharing-policy engine.

``Registry.shipped()`` knows every county (activation date, ORIs, ICE field office);
``preset(name)`` / ``load_policy(path)`` give a compiled ``PolicySet``; ``decide`` says whether a
transfer may happen for a booking at a time, and why.
"""

from __future__ import annotations

import datetime as dt

from scomm.policy.engine import Decision, PolicySet, Rule
from scomm.policy.facts import BookingFacts
from scomm.policy.loader import (
    load_policy,
    parse_policy,
    preset,
    preset_names,
)
from scomm.policy.registry import LESC_ORI, Agency, County, Registry
from scomm.policy.transfers import PREREQUISITE, Transfer
from scomm.policy.yamltext import PolicyError, PolicyIssue


def decide(
    transfer: Transfer,
    facts: BookingFacts,
    at: dt.datetime | None = None,
    policy: PolicySet | None = None,
) -> Decision:
    """Decide one transfer for one booking at ``at`` (default: the booking's event time) under
    ``policy`` (default: the ``historical`` preset)."""
    return (policy or preset("historical")).decide(transfer, facts, at)


__all__ = [
    "LESC_ORI",
    "PREREQUISITE",
    "Agency",
    "BookingFacts",
    "County",
    "Decision",
    "PolicyError",
    "PolicyIssue",
    "PolicySet",
    "Registry",
    "Rule",
    "Transfer",
    "decide",
    "load_policy",
    "parse_policy",
    "preset",
    "preset_names",
]
