"""Read policy files: YAML -> pydantic -> checks -> a compiled ``PolicySet``.

Every problem is reported with the file and line it comes from, all at once, so a user fixes a
file in one pass. Presets are the YAML files in ``scomm/policy/presets``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import cache
from importlib import resources
from itertools import combinations
from pathlib import Path

from pydantic import ValidationError
from yaml.nodes import Node

from scomm.domain import Ori, offense_table, state_by_ncic, state_by_postal
from scomm.policy.engine import (
    COUNTY,
    DEFAULT_LEVEL,
    END,
    NATION,
    ORI,
    START,
    STATE,
    PolicySet,
    Rule,
)
from scomm.policy.facts import FLAG_BITS
from scomm.policy.registry import Registry
from scomm.policy.spec import ConditionsSpec, PolicySpec, RuleSpec
from scomm.policy.transfers import Transfer
from scomm.policy.yamltext import PolicyError, PolicyIssue, line_of, parse_yaml, pydantic_issue


def preset_names() -> list[str]:
    folder = resources.files("scomm.policy").joinpath("presets")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


@cache
def preset(name: str) -> PolicySet:
    """A policy shipped with scomm (``historical``, ``voluntary``, ...; see ``preset_names``)."""
    if name not in preset_names():
        raise ValueError(f"unknown preset {name!r}; presets: {', '.join(preset_names())}")
    path = resources.files("scomm.policy").joinpath(f"presets/{name}.yaml")
    return parse_policy(path.read_text(encoding="utf-8"), source=f"preset:{name}")


def load_policy(path: str | Path) -> PolicySet:
    """Load a policy file (or, when ``path`` names no file but a preset, that preset)."""
    file = Path(path)
    if not file.is_file():
        if str(path) in preset_names():
            return preset(str(path))
        raise PolicyError([PolicyIssue(str(path), 0, "no such policy file or preset")])
    return parse_policy(file.read_text(encoding="utf-8"), source=str(path))


def parse_policy(text: str, source: str = "<policy>") -> PolicySet:
    """Compile policy text; ``source`` names it in error messages."""
    try:
        return _parse(text, source)
    except RecursionError:
        raise PolicyError([PolicyIssue(source, 1, "nested too deeply to be a policy")]) from None


def _parse(text: str, source: str) -> PolicySet:
    node, data = parse_yaml(text, source)
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([pydantic_issue(source, node, err) for err in exc.errors()]) from None
    return _Compiler(source, node).compile(spec)


def _flag_text(name: str, value: bool) -> str:
    return name.replace("_", " ") if value else f"not {name.replace('_', ' ')}"


def _conditions_text(when: ConditionsSpec) -> str:
    parts = []
    for name in FLAG_BITS:
        value = getattr(when, name)
        if value is not None:
            parts.append(_flag_text(name, value))
    if when.not_activated_before:
        parts.append(f"not activated before {when.not_activated_before}")
    if when.offense_in:
        parts.append(f"an offense in {', '.join(when.offense_in)}")
    if when.offense_not_in:
        parts.append(f"no offense in {', '.join(when.offense_not_in)}")
    return " and ".join(parts)


class _Compiler:
    """Turns a validated spec into compiled rules, collecting every semantic problem."""

    def __init__(self, source: str, node: Node) -> None:
        self.source = source
        self.node = node
        self.issues: list[PolicyIssue] = []

    def issue(self, path: tuple[int | str, ...], message: str) -> None:
        self.issues.append(PolicyIssue(self.source, line_of(self.node, path), message))

    def compile(self, spec: PolicySpec) -> PolicySet:
        parent: PolicySet | None = None
        if spec.extends is not None:
            try:
                parent = preset(spec.extends)
            except ValueError as exc:
                self.issue(("extends",), str(exc))
        inherited = list(parent.rules) if parent else []
        seen = {r.rule_id: r.line for r in inherited}
        rules = list(inherited)
        for i, rule in enumerate(spec.rules):
            path: tuple[int | str, ...] = ("rules", i)
            if rule.id in seen:
                self.issue((*path, "id"), f"rule id {rule.id!r} is used twice")
            seen[rule.id] = line_of(self.node, path)
            rules.extend(self._compile_rule(rule, path, order=len(rules)))
        self._check_contradictions(rules)
        if self.issues:
            raise PolicyError(self.issues)
        defaults = {
            t: Rule(f"default:{t.value}", -1, t, False, DEFAULT_LEVEL, "") for t in Transfer
        }
        if parent:
            defaults.update(parent.defaults)
        for transfer, effect in spec.defaults.items():
            defaults[transfer] = Rule(
                f"default:{transfer.value}", -1, transfer, effect == "allow", DEFAULT_LEVEL, ""
            )
        canonical = spec.model_dump(mode="json", by_alias=True, exclude={"name", "description"})
        digest = hashlib.sha256((parent.policy_hash if parent else "").encode())
        digest.update(json.dumps(canonical, sort_keys=True).encode())
        return PolicySet(spec.name, spec.description, tuple(rules), defaults, digest.hexdigest())

    def _scope(self, rule: RuleSpec, path: tuple[int | str, ...]) -> list[tuple[int, str]]:
        scope = rule.scope
        given = [
            (lvl, v)
            for lvl, v in ((STATE, scope.state), (COUNTY, scope.county), (ORI, scope.ori))
            if v is not None
        ]
        if not given:
            return [(NATION, "")]
        if len(given) > 1:
            self.issue((*path, "scope"), "a scope names one of state, county or ori, not several")
            return []
        level, value = given[0]
        values = [value] if isinstance(value, str) else value
        keys = []
        for text in values:
            try:
                keys.append(self._scope_key(level, text))
            except ValueError as exc:
                self.issue((*path, "scope"), f"scope: {exc}")
        return [(level, key) for key in keys]

    @staticmethod
    def _scope_key(level: int, text: str) -> str:
        if level == STATE:
            code = text.strip().upper()
            try:
                return state_by_ncic(code).ncic
            except ValueError:
                return state_by_postal(code).ncic
        if level == COUNTY:
            return Registry.shipped().county(text).fips
        return Ori(text.strip()).value

    def _offenses(
        self, patterns: list[str] | None, path: tuple[int | str, ...]
    ) -> frozenset[str] | None:
        if patterns is None:
            return None
        table = offense_table()
        codes: set[str] = set()
        for pattern in patterns:
            matched = (
                {c for c in table if c.startswith(pattern[:2])}
                if pattern.endswith("xx")
                else ({pattern} if pattern in table else set())
            )
            if not matched:
                self.issue(path, f"{pattern!r} is not an NCIC offense code or category")
            codes |= matched
        return frozenset(codes)

    def _compile_rule(self, rule: RuleSpec, path: tuple[int | str, ...], order: int) -> list[Rule]:
        start = rule.from_.toordinal() if rule.from_ else START
        end = rule.until.toordinal() if rule.until else END
        if start >= end:
            self.issue(
                (*path, "until"),
                f"rule {rule.id}: 'until' {rule.until} is not after 'from' {rule.from_}",
            )
        mask = want = 0
        for name, bit in FLAG_BITS.items():
            value = getattr(rule.when, name)
            if value is not None:
                mask |= bit
                want |= bit if value else 0
        since = rule.when.not_activated_before
        when = (*path, "when")
        template = Rule(
            rule_id=rule.id,
            order=order,
            transfer=Transfer.PRINTS_TO_CJIS,
            allow=rule.effect == "allow",
            level=NATION,
            key="",
            start=start,
            end=end,
            mandatory=rule.mandatory,
            priority=rule.priority,
            mask=mask,
            want=want,
            not_activated_before=since.toordinal() if since else 0,
            offense_in=self._offenses(rule.when.offense_in, (*when, "offense_in")),
            offense_not_in=self._offenses(rule.when.offense_not_in, (*when, "offense_not_in")),
            conditions=_conditions_text(rule.when),
            note=rule.note,
            line=line_of(self.node, path),
        )
        transfers = rule.transfer if isinstance(rule.transfer, list) else [rule.transfer]
        return [
            replace(template, transfer=t, level=level, key=key)
            for t in transfers
            for level, key in self._scope(rule, path)
        ]

    def _check_contradictions(self, rules: list[Rule]) -> None:
        groups: dict[tuple[Transfer, int, str, bool, int], list[Rule]] = {}
        for rule in rules:
            groups.setdefault(
                (rule.transfer, rule.level, rule.key, rule.mandatory, rule.priority), []
            ).append(rule)
        reported: set[tuple[str, str]] = set()
        for group in groups.values():
            for a, b in combinations(group, 2):
                if a.allow == b.allow or a.start >= b.end or b.start >= a.end or _exclusive(a, b):
                    continue
                if (a.rule_id, b.rule_id) in reported:
                    continue
                reported.add((a.rule_id, b.rule_id))
                self.issues.append(
                    PolicyIssue(
                        self.source,
                        b.line,
                        f"rule {b.rule_id} contradicts rule {a.rule_id} (line {a.line}) for"
                        f" {b.transfer.value} in {b.scope_text} while both are in force, with"
                        " nothing to decide between them: give one a higher 'priority',"
                        " make one 'mandatory', or make their conditions exclusive",
                    )
                )


def _exclusive(a: Rule, b: Rule) -> bool:
    """True when no booking can meet both rules' conditions (a sufficient test, not complete)."""
    both = a.mask & b.mask
    if a.want & both != b.want & both:
        return True
    if (
        a.offense_in is not None
        and b.offense_in is not None
        and a.offense_in.isdisjoint(b.offense_in)
    ):
        return True
    for x, y in ((a, b), (b, a)):
        if (
            x.offense_in is not None
            and y.offense_not_in is not None
            and x.offense_in <= y.offense_not_in
        ):
            return True
    return False
