"""The decision engine: compiled rules, per-(transfer, scope) timelines, decisions with reasons.

Precedence (docs/policy.md): among the rules that apply to a booking at a time,
1. a mandatory rule beats any rule that is not mandatory;
2. then the more specific scope wins: ORI over county over state over nation;
3. then the higher ``priority``; then the earlier rule in the file (only for rules that agree:
   the loader refuses rules that could contradict each other with nothing to break the tie);
4. when no rule applies, the policy's default for the transfer (deny unless set) decides.
A transfer whose prerequisite (``transfers.PREREQUISITE``) is refused is refused too.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scomm.policy.facts import ACTIVATED_BIT, BookingFacts
from scomm.policy.transfers import Transfer, chain

NATION, STATE, COUNTY, ORI = 0, 1, 2, 3
LEVEL_NAMES = ("nation", "state", "county", "ori")
DEFAULT_LEVEL = -1
START, END = dt.date.min.toordinal(), dt.date.max.toordinal() + 1
_CHAINS = {t: chain(t) for t in Transfer}


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """One compiled rule for one transfer and one scope value (a YAML rule may yield several).

    ``mask``/``want``: the boolean conditions as bits (``facts.FLAG_BITS``); the rule applies
    when ``bits & mask == want``. Dates are ordinals, ``end`` exclusive.
    """

    rule_id: str
    order: int
    transfer: Transfer
    allow: bool
    level: int
    key: str
    start: int = START
    end: int = END
    mandatory: bool = False
    priority: int = 0
    mask: int = 0
    want: int = 0
    not_activated_before: int = 0
    offense_in: frozenset[str] | None = None
    offense_not_in: frozenset[str] | None = None
    conditions: str = ""
    note: str = ""
    line: int = 0
    cites_activation: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        cites = bool(self.mask & ACTIVATED_BIT or self.not_activated_before)
        object.__setattr__(self, "cites_activation", cites)

    def applies(self, bits: int, facts: BookingFacts) -> bool:
        if bits & self.mask != self.want:
            return False
        if self.not_activated_before and facts.activation_ordinal < self.not_activated_before:
            return False
        if self.offense_in is not None and self.offense_in.isdisjoint(facts.offenses):
            return False
        return self.offense_not_in is None or self.offense_not_in.isdisjoint(facts.offenses)

    @property
    def scope_text(self) -> str:
        if self.level == DEFAULT_LEVEL:
            return "policy default"
        if self.level == NATION:
            return "nation"
        return f"{LEVEL_NAMES[self.level]} {self.key}"

    @property
    def period_text(self) -> str:
        start = "" if self.start == START else f"from {dt.date.fromordinal(self.start)}"
        end = "" if self.end == END else f"until {dt.date.fromordinal(self.end)}"
        return ", ".join(p for p in (start, end) if p) or "always"

    def describe(self) -> str:
        flags = ", mandatory" if self.mandatory else ""
        flags += f", priority {self.priority}" if self.priority else ""
        when = f" when {self.conditions}" if self.conditions else ""
        note = f" — {self.note}" if self.note else ""
        return (
            f"rule {self.rule_id} ({self.scope_text}, {self.period_text}{flags}):"
            f" {'allow' if self.allow else 'deny'}{when}{note}"
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one transfer: allowed or not, why, by which rules, under which policy."""

    transfer: Transfer
    allowed: bool
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    policy_hash: str

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True, slots=True)
class _Timeline:
    """The rules of one (transfer, scope value), cut into date segments, each pre-sorted."""

    starts: list[int]
    segments: list[tuple[tuple[Rule, ...], tuple[Rule, ...]]]

    @classmethod
    def build(cls, rules: Iterable[Rule]) -> _Timeline:
        rules = list(rules)
        cuts = sorted({START} | {r.start for r in rules} | {r.end for r in rules if r.end < END})
        segments = []
        for cut in cuts:
            live = sorted(
                (r for r in rules if r.start <= cut < r.end), key=lambda r: (-r.priority, r.order)
            )
            segments.append(
                (tuple(r for r in live if r.mandatory), tuple(r for r in live if not r.mandatory))
            )
        return cls(cuts, segments)

    def at(self, day: int) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
        return self.segments[bisect_right(self.starts, day) - 1]


@dataclass(frozen=True, slots=True)
class PolicySet:
    """A compiled, immutable policy: ``decide`` answers in a few microseconds."""

    name: str
    description: str
    rules: tuple[Rule, ...]
    defaults: Mapping[Transfer, Rule]
    policy_hash: str
    _index: dict[Transfer, tuple[dict[str, _Timeline], ...]] = field(init=False, repr=False)
    _cache: dict[tuple[Any, ...], Decision] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[tuple[Transfer, int, str], list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault((rule.transfer, rule.level, rule.key), []).append(rule)
        index: dict[Transfer, tuple[dict[str, _Timeline], ...]] = {
            t: ({}, {}, {}, {}) for t in Transfer
        }
        for (transfer, level, key), rules in grouped.items():
            index[transfer][level][key] = _Timeline.build(rules)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_cache", {})

    def decide(
        self, transfer: Transfer, facts: BookingFacts, at: dt.datetime | None = None
    ) -> Decision:
        """Whether ``transfer`` may happen for the booking ``facts`` at ``at`` (default: the
        booking's own event time), with the reasons."""
        if at is None:
            day = facts.event_time.toordinal()
        elif at.tzinfo is None:
            raise ValueError(f"decision time {at.isoformat()} must be timezone-aware")
        else:
            day = at.toordinal()
        bits = facts.bits | ACTIVATED_BIT if facts.activation_ordinal <= day else facts.bits
        key: list[Any] = [transfer]
        cites_activation = False
        for step in _CHAINS[transfer]:
            rule, overridden = self._winner(step, facts, day, bits)
            key.append(rule)
            key.append(overridden)
            cites_activation = cites_activation or rule.cites_activation
            if not rule.allow:
                break
        if cites_activation:
            key.append(facts.activation_ordinal)
        cache_key = tuple(key)
        decision = self._cache.get(cache_key)
        if decision is None:
            decision = self._explain(cache_key, cites_activation)
            self._cache[cache_key] = decision
        return decision

    def _winner(
        self, transfer: Transfer, facts: BookingFacts, day: int, bits: int
    ) -> tuple[Rule, Rule | None]:
        by_nation, by_state, by_county, by_ori = self._index[transfer]  # by level number
        found = []
        if by_ori and (timeline := by_ori.get(facts.ori)) is not None:
            found.append(timeline.at(day))
        if by_county and (timeline := by_county.get(facts.county_fips or "")) is not None:
            found.append(timeline.at(day))
        if by_state and (timeline := by_state.get(facts.state)) is not None:
            found.append(timeline.at(day))
        if by_nation:
            found.append(by_nation[""].at(day))
        for mandatory, _ in found:
            for rule in mandatory:
                if rule.applies(bits, facts):
                    return rule, _overridden(rule, found, bits, facts)
        for _, ordinary in found:
            for rule in ordinary:
                if rule.applies(bits, facts):
                    return rule, None
        return self.defaults[transfer], None

    def _explain(self, key: tuple[Any, ...], cites_activation: bool) -> Decision:
        transfer: Transfer = key[0]
        steps = _CHAINS[transfer]
        body = key[1:-1] if cites_activation else key[1:]
        pairs: list[tuple[Rule, Rule | None]] = list(zip(body[0::2], body[1::2], strict=True))
        reasons: list[str] = []
        for step, (rule, overridden) in zip(steps, pairs, strict=False):
            verdict = "allowed" if rule.allow else "refused"
            prefix = "" if step is transfer else "prerequisite "
            reasons.append(f"{prefix}{step.value} {verdict} by {rule.describe()}")
            if overridden is not None:
                reasons.append(
                    f"  {overridden.describe()} is overridden: rule {rule.rule_id} is mandatory"
                )
        last_rule = pairs[-1][0]
        allowed = last_rule.allow and len(pairs) == len(steps)
        if not allowed and len(pairs) < len(steps):
            reasons.append(
                f"{transfer.value} refused: it needs {steps[len(pairs) - 1].value} first"
            )
        if cites_activation:
            ordinal = key[-1]
            reasons.append(
                "booking county has no activation date"
                if ordinal > dt.date.max.toordinal()
                else f"booking county's activation date: {dt.date.fromordinal(ordinal)}"
            )
        rule_ids = tuple(dict.fromkeys(r.rule_id for r, _ in pairs))
        return Decision(transfer, allowed, tuple(reasons), rule_ids, self.policy_hash)

    def explain_all(self, facts: BookingFacts, at: dt.datetime | None = None) -> list[Decision]:
        """Every transfer's decision for one booking, in pipeline order."""
        return [self.decide(t, facts, at) for t in Transfer]


def _overridden(
    winner: Rule,
    found: list[tuple[tuple[Rule, ...], tuple[Rule, ...]]],
    bits: int,
    facts: BookingFacts,
) -> Rule | None:
    """The most specific non-mandatory rule that would have decided otherwise, if any."""
    for _, ordinary in found:
        for rule in ordinary:
            if rule.level > winner.level and rule.applies(bits, facts):
                return rule if rule.allow != winner.allow else None
    return None
