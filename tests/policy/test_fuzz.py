"""Fuzzing the policy parser: any text gets a policy or a PolicyError, never a crash."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.policy import PolicyError, parse_policy

GOOD = """\
name: fuzz
defaults: {prints_to_cjis: allow}
rules:
  - id: a
    transfer: [prints_to_ident, iaq_to_lesc]
    effect: allow
    scope: {county: ["06037", "48201"]}
    from: 2009-01-01
    until: 2012-01-01
    when: {activated: true, offense_in: [13xx, "5404"], not_activated_before: 2008-10-27}
"""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(
        ["allow", "deny", "nation", "2010-02-30", "13xx", "CA0190000", "prints_to_ident"]
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "rules",
                    "id",
                    "transfer",
                    "effect",
                    "scope",
                    "from",
                    "until",
                    "when",
                    "state",
                    "county",
                    "ori",
                    "defaults",
                    "extends",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)


def parses_or_explains(text: str) -> None:
    try:
        parse_policy(text, source="fuzz.yaml")
    except PolicyError as exc:
        assert exc.issues
        assert all(str(issue).startswith("fuzz.yaml:") for issue in exc.issues)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    parses_or_explains(text)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_random_yaml_structures(document: object) -> None:
    parses_or_explains(yaml.safe_dump(document))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(1, 8), st.text(max_size=6))
def test_mutations_of_a_good_file(position: int, cut: int, insert: str) -> None:
    parses_or_explains(GOOD[:position] + insert + GOOD[position + cut :])


def test_alias_bombs_are_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\nname: bomb\nrules: *a8\n"
    try:
        parse_policy(text, source="bomb.yaml")
    except PolicyError as exc:
        assert "too large" in str(exc)
    else:
        raise AssertionError("an alias bomb was accepted")


def test_deep_nesting_is_refused() -> None:
    for text in ["[" * 3000 + "]" * 3000, "name: x\nrules: " + "[" * 900 + "]" * 900]:
        try:
            parse_policy(text, source="deep.yaml")
        except PolicyError as exc:
            assert str(exc).startswith("deep.yaml:")
        else:
            raise AssertionError("a deeply nested file was accepted")
