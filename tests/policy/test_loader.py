"""Policy files: what is accepted, and the errors (with line numbers) for what is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from scomm.policy import PolicyError, load_policy, parse_policy, preset, preset_names

GOOD = """\
name: test
defaults:
  prints_to_cjis: allow
rules:
  - id: ident
    transfer: prints_to_ident
    effect: allow
    from: 2009-01-01
    when: {activated: true}
"""


def issues(text: str) -> list[tuple[int, str]]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="bad.yaml")
    assert str(caught.value).startswith("bad.yaml:")
    return [(i.line, i.message) for i in caught.value.issues]


def test_a_good_file_loads_and_its_hash_ignores_layout_and_comments() -> None:
    policy = parse_policy(GOOD)
    assert policy.name == "test"
    assert [r.rule_id for r in policy.rules] == ["ident"]
    relaid = GOOD.replace("when: {activated: true}", "when:\n      activated: true  # note")
    assert parse_policy("# a comment\n" + relaid).policy_hash == policy.policy_hash
    changed = GOOD.replace("2009-01-01", "2009-01-02")
    assert parse_policy(changed).policy_hash != policy.policy_hash


def test_unknown_key_is_named_with_its_line() -> None:
    text = GOOD.replace("    effect: allow\n", "    effect: allow\n    efective: 2009-01-01\n")
    [(line, message)] = issues(text)
    assert line == 8
    assert "unknown key 'efective'" in message and "rules[0]" in message


def test_bad_date_is_named_with_its_line() -> None:
    [(line, message)] = issues(GOOD.replace("2009-01-01", "2009-13-01"))
    assert line == 8
    assert "'2009-13-01' is not a date" in message


def test_until_before_from_is_refused() -> None:
    [(line, message)] = issues(
        GOOD.replace("    from: 2009-01-01\n", "    from: 2009-01-01\n    until: 2008-01-01\n")
    )
    assert line == 9 and "is not after 'from'" in message


def test_bad_ori_state_county_transfer_and_offense_are_each_reported() -> None:
    text = """\
name: bad
rules:
  - id: a
    transfer: prints_to_ident
    effect: deny
    scope: {ori: CA01900}
  - id: b
    transfer: prints_to_ident
    effect: deny
    scope: {state: XX}
  - id: c
    transfer: prints_to_ident
    effect: deny
    scope: {county: "99999"}
  - id: d
    transfer: [prints_to_ident, fax_to_mayor]
    effect: deny
  - id: e
    transfer: custody_to_ero
    effect: deny
    when: {offense_in: ["0000"]}
"""
    found = issues(text)
    assert any(line == 16 and "fax_to_mayor" in msg for line, msg in found)
    # schema errors stop before the semantic checks; fix the transfer and look again
    found = issues(text.replace(", fax_to_mayor", ""))
    by_line = dict(found)
    assert "exactly 9 characters" in by_line[6]
    assert "unknown postal state code 'XX'" in by_line[10]
    assert "unknown county FIPS code '99999'" in by_line[14]
    assert "'0000' is not an NCIC offense code" in by_line[21]


def test_contradictory_rules_without_precedence_are_refused() -> None:
    text = (
        GOOD
        + """\
  - id: no-ident
    transfer: prints_to_ident
    effect: deny
    from: 2010-01-01
"""
    )
    [(line, message)] = issues(text)
    assert line == 10
    assert "no-ident contradicts rule ident (line 5)" in message
    assert "priority" in message


@pytest.mark.parametrize(
    "extra",
    [
        "    priority: 1\n",  # a tie-breaker
        "    mandatory: true\n",  # another precedence class
        "    until: 2009-01-01\n",  # never in force at the same time (from is unset)
        "    when: {activated: false}\n",  # exclusive conditions
    ],
)
def test_contradictions_with_a_way_to_decide_are_accepted(extra: str) -> None:
    text = GOOD + "  - id: no-ident\n    transfer: prints_to_ident\n    effect: deny\n" + extra
    assert len(parse_policy(text).rules) == 2


def test_duplicate_ids_unknown_preset_and_bad_yaml() -> None:
    [(line, message)] = issues(GOOD + GOOD[GOOD.index("  - id") :])
    assert line == 10 and "used twice" in message
    [(line, message)] = issues("extends: nowhere\n" + GOOD)
    assert line == 1 and "unknown preset 'nowhere'" in message
    [(line, message)] = issues("name: x\nrules: [\n  - id: a\n")
    assert line >= 2 and "not valid YAML" in message
    [(line, message)] = issues("")
    assert "empty" in message
    [(line, message)] = issues("- just a list\n")
    assert "must be a mapping" in message
    [(line, message)] = issues("rules: []\n")
    assert "name: required key is missing" in message


def test_scope_must_name_one_level() -> None:
    text = GOOD.replace(
        "    effect: allow\n", "    effect: allow\n    scope: {state: CA, county: '06037'}\n"
    )
    [(line, message)] = issues(text)
    assert line == 8 and "not several" in message
    [(line, message)] = issues(
        GOOD.replace("    effect: allow\n", "    effect: allow\n    scope: world\n")
    )
    assert "scope must be 'nation'" in message


def test_extends_keeps_the_parent_rules_and_refuses_reused_ids() -> None:
    child = parse_policy(
        "name: child\nextends: historical\nrules:\n  - id: extra\n"
        "    transfer: custody_to_ero\n    effect: deny\n    scope: {state: TX}\n"
    )
    parent = preset("historical")
    assert child.rules[: len(parent.rules)] == parent.rules
    assert child.policy_hash != parent.policy_hash
    [(line, message)] = issues(
        "name: c\nextends: historical\nrules:\n  - id: detainers\n"
        "    transfer: custody_to_ero\n    effect: deny\n"
    )
    assert line == 4 and "'detainers' is used twice" in message


def test_load_policy_reads_files_and_preset_names(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(GOOD)
    assert load_policy(path).name == "test"
    assert load_policy("voluntary") is preset("voluntary")
    with pytest.raises(PolicyError, match="no such policy file or preset"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="unknown preset"):
        preset("nope")


def test_every_preset_loads() -> None:
    names = preset_names()
    for required in ("historical", "voluntary", "conviction-gated", "ngi-2013", "ori-deactivation"):
        assert required in names
    hashes = {preset(n).policy_hash for n in names}
    assert len(hashes) == len(names)
