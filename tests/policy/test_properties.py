"""Property tests over random rule sets and bookings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.policy import BookingFacts, PolicySet, Transfer, parse_policy
from scomm.policy.transfers import chain

ORIS = ["CA0190000", "CA0190177", "TX1010000", "IL0160000", "NY0303000"]
SCOPES = [
    "nation",
    {"state": "CA"},
    {"state": ["TX", "IL"]},
    {"county": "06037"},
    {"county": ["48201", "17031"]},
    {"ori": "CA0190177"},
    {"ori": ["TX1010000", "NY0303000"]},
]
FLAGS = [
    "activated",
    "conviction_known",
    "victim",
    "juvenile",
    "domestic_violence_victim",
    "county_consented",
    "agency_consented",
]
FIRST, LAST = dt.date(2008, 1, 1), dt.date(2016, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def rule_sets(draw: st.DrawFn) -> dict[str, Any]:
    rules = []
    for i in range(draw(st.integers(0, 12))):
        rule: dict[str, Any] = {
            "id": f"r{i}",
            "transfer": draw(
                st.lists(
                    st.sampled_from([t.value for t in Transfer]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            ),
            "effect": draw(st.sampled_from(["allow", "deny"])),
            "scope": draw(st.sampled_from(SCOPES)),
            "mandatory": draw(st.booleans()),
            "priority": i,  # distinct priorities: never an undecidable contradiction
        }
        start, end = draw(st.one_of(st.none(), days)), draw(st.one_of(st.none(), days))
        if start and end and start >= end:
            start, end = end, start
        if start and end and start == end:
            end = None
        if start:
            rule["from"] = start.isoformat()
        if end:
            rule["until"] = end.isoformat()
        when = draw(st.dictionaries(st.sampled_from(FLAGS), st.booleans(), max_size=2))
        if draw(st.booleans()):
            when["offense_in"] = draw(
                st.lists(st.sampled_from(["0999", "13xx", "5404"]), min_size=1, max_size=2)
            )
        if when:
            rule["when"] = when
        rules.append(rule)
    defaults = draw(
        st.dictionaries(
            st.sampled_from([t.value for t in Transfer]), st.sampled_from(["allow", "deny"])
        )
    )
    return {"name": "random", "defaults": defaults, "rules": rules}


@st.composite
def bookings(draw: st.DrawFn) -> BookingFacts:
    day = draw(days)
    at = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23))), dt.UTC)
    flags = {name: draw(st.booleans()) for name in FLAGS if name != "activated"}
    offenses = draw(st.frozensets(st.sampled_from(["0999", "1313", "5404", "2299"]), max_size=2))
    return BookingFacts.for_ori(draw(st.sampled_from(ORIS)), at, offenses=offenses, **flags)


def compile_(spec: dict[str, Any]) -> PolicySet:
    return parse_policy(yaml.safe_dump(spec, sort_keys=False))


@settings(max_examples=80, deadline=None)
@given(
    spec=rule_sets(),
    events=st.lists(bookings(), min_size=1, max_size=8),
    ori=st.sampled_from(ORIS),
    t=days,
)
def test_a_deactivated_ori_never_reaches_ident_after_deactivation(
    spec: dict[str, Any], events: list[BookingFacts], ori: str, t: dt.date
) -> None:
    spec["rules"].append(
        {
            "id": "deactivation",
            "transfer": "prints_to_ident",
            "effect": "deny",
            "scope": {"ori": ori},
            "from": t.isoformat(),
            "mandatory": True,
            "priority": 1000,
        }
    )
    policy = compile_(spec)
    needs_ident = [x for x in Transfer if Transfer.PRINTS_TO_IDENT in chain(x)]
    for facts in events:
        facts = BookingFacts.for_ori(
            ori, facts.event_time, offenses=facts.offenses, juvenile=facts.juvenile
        )
        if facts.event_time.date() >= t:
            for transfer in needs_ident:
                assert not policy.decide(transfer, facts).allowed


@settings(max_examples=50, deadline=None)
@given(
    spec=rule_sets(),
    events=st.lists(bookings(), min_size=1, max_size=10),
    noise=st.lists(bookings(), max_size=10),
)
def test_a_decision_depends_only_on_rules_facts_and_time(
    spec: dict[str, Any], events: list[BookingFacts], noise: list[BookingFacts]
) -> None:
    fresh, warmed = compile_(spec), compile_(spec)
    for other in noise:  # earlier, unrelated decisions must not change later ones
        for transfer in Transfer:
            warmed.decide(transfer, other)
    assert fresh.policy_hash == warmed.policy_hash
    for facts in reversed(events):
        twin = BookingFacts.for_ori(
            facts.ori,
            facts.event_time,
            offenses=set(facts.offenses),
            **{name: getattr(facts, name) for name in FLAGS if name != "activated"},
        )
        for transfer in Transfer:
            assert fresh.decide(transfer, facts) == warmed.decide(transfer, twin)


@settings(max_examples=50, deadline=None)
@given(spec=rule_sets(), facts=bookings(), at=st.one_of(st.none(), days))
def test_reasons_always_name_the_rules_used(
    spec: dict[str, Any], facts: BookingFacts, at: dt.date | None
) -> None:
    policy = compile_(spec)
    when = dt.datetime.combine(at, dt.time(12), dt.UTC) if at else None
    for transfer in Transfer:
        decision = policy.decide(transfer, facts, when)
        assert decision.rule_ids
        text = "\n".join(decision.reasons)
        for rule_id in decision.rule_ids:
            assert f"rule {rule_id} (" in text
        known = {r.rule_id for r in policy.rules} | {r.rule_id for r in policy.defaults.values()}
        assert set(decision.rule_ids) <= known
