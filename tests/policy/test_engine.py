"""Decisions: precedence between scopes, prerequisites, reasons, determinism."""

from __future__ import annotations

import datetime as dt

import pytest

from scomm.policy import BookingFacts, Transfer, decide, parse_policy, preset

T = Transfer


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)


def facts(ori: str = "CA0190000", day: str = "2011-06-01", **kw: object) -> BookingFacts:
    return BookingFacts.for_ori(ori, at(day), **kw)  # type: ignore[arg-type]


LAYERED = """\
name: layered
defaults: {prints_to_cjis: allow}
rules:
  - id: nation-allow
    transfer: prints_to_ident
    effect: allow
  - id: state-deny
    transfer: prints_to_ident
    effect: deny
    scope: {state: CA}
  - id: county-allow
    transfer: prints_to_ident
    effect: allow
    scope: {county: "06037"}
  - id: jail-deny
    transfer: prints_to_ident
    effect: deny
    scope: {ori: CA0190177}
  - id: nation-mandatory
    transfer: prints_to_ident
    effect: allow
    mandatory: true
    from: 2012-01-01
  - id: jail-deactivated
    transfer: prints_to_ident
    effect: deny
    mandatory: true
    scope: {ori: CA0190188}
"""


def test_the_more_specific_scope_wins() -> None:
    policy = parse_policy(LAYERED)
    cases = {
        "TX1010000": (True, "nation-allow"),
        "CA0380000": (False, "state-deny"),
        "CA0190000": (True, "county-allow"),
        "CA0190177": (False, "jail-deny"),
    }
    for ori, (allowed, rule) in cases.items():
        decision = policy.decide(T.PRINTS_TO_IDENT, facts(ori))
        assert (decision.allowed, decision.rule_ids[-1]) == (allowed, rule), ori


def test_a_mandatory_rule_beats_more_specific_ones_and_says_so() -> None:
    policy = parse_policy(LAYERED)
    decision = policy.decide(T.PRINTS_TO_IDENT, facts("CA0190177", "2012-06-01"))
    assert decision.allowed and decision.rule_ids[-1] == "nation-mandatory"
    assert any("rule jail-deny" in r and "overridden" in r for r in decision.reasons)
    # ...but among mandatory rules the specific one still wins (a real deactivation)
    decision = policy.decide(T.PRINTS_TO_IDENT, facts("CA0190188", "2012-06-01"))
    assert not decision.allowed and decision.rule_ids[-1] == "jail-deactivated"


def test_priority_breaks_ties_and_the_default_decides_when_nothing_applies() -> None:
    policy = parse_policy(
        """\
name: p
rules:
  - id: low
    transfer: prints_to_cjis
    effect: allow
  - id: high
    transfer: prints_to_cjis
    effect: deny
    priority: 2
    when: {juvenile: true}
"""
    )
    assert policy.decide(T.PRINTS_TO_CJIS, facts()).rule_ids == ("low",)
    young = policy.decide(T.PRINTS_TO_CJIS, facts(juvenile=True))
    assert (young.allowed, young.rule_ids) == (False, ("high",))
    detainer = policy.decide(T.DETAINER_TO_LEA, facts())
    assert not detainer.allowed
    assert "default:prints_to_ident" in detainer.rule_ids


def test_a_transfer_needs_its_prerequisites() -> None:
    policy = preset("exit-by-not-submitting")
    out = facts("VA0070100", "2012-03-01", agency_consented=False)
    for transfer in Transfer:
        decision = policy.decide(transfer, out)
        assert not decision.allowed, transfer
        assert decision.rule_ids[0] == "agency-stops-submitting"
    iaq = policy.decide(T.IAQ_TO_LESC, out)
    assert iaq.reasons[-1] == "iaq_to_lesc refused: it needs prints_to_cjis first"
    assert policy.decide(T.CUSTODY_TO_ERO, facts("VA0070100", "2012-03-01")).allowed


def test_reasons_cite_rules_and_dates_and_the_policy_hash() -> None:
    policy = preset("historical")
    decision = policy.decide(T.PRINTS_TO_IDENT, facts("CA0190000", "2009-09-01"))
    assert decision.allowed
    assert decision.policy_hash == policy.policy_hash
    text = "\n".join(decision.reasons)
    assert "rule activated-voluntary-era (nation, from 2008-10-27, until 2010-10-01)" in text
    assert "booking county's activation date: 2009-08-27" in text


def test_at_overrides_the_event_time_and_decide_defaults_to_historical() -> None:
    booking = facts("TX1010000", "2008-10-01")
    assert not decide(T.PRINTS_TO_IDENT, booking)
    assert decide(T.PRINTS_TO_IDENT, booking, at("2008-11-01"))
    assert decide(T.PRINTS_TO_IDENT, booking, policy=preset("ngi-2013"))
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(T.PRINTS_TO_IDENT, booking, dt.datetime(2008, 11, 1))


def test_decisions_are_deterministic_and_equal_across_fresh_compilations() -> None:
    text = LAYERED
    first, second = parse_policy(text), parse_policy(text)
    for ori in ("CA0190177", "CA0190000", "TX1010000", "CA0190188"):
        for day in ("2011-01-01", "2012-06-01"):
            for transfer in Transfer:
                a = first.decide(transfer, facts(ori, day))
                b = second.decide(transfer, facts(ori, day))
                assert a == b == first.decide(transfer, facts(ori, day))


def test_unknown_county_is_never_activated() -> None:
    nowhere = BookingFacts.for_ori("TXZZZ9999", at("2012-01-01"))
    assert nowhere.county_fips is None and nowhere.activation_date is None
    decision = preset("historical").decide(T.PRINTS_TO_IDENT, nowhere)
    assert not decision.allowed
    assert "booking county has no activation date" in decision.reasons
