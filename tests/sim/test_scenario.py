"""Scenario files: every parameter has a source, and bad files are named by file and line."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.sim.scenario import (
    Param,
    ScenarioError,
    builtin_scenario,
    load_scenario,
    parse_scenario,
    scenario_names,
)

NAME = "national-2008-2011"


def _text() -> str:
    return resources.files("scomm.sim").joinpath(f"scenarios/{NAME}.yaml").read_text()


def _params(model: Any) -> list[tuple[str, Param[Any]]]:
    found = []
    for group in ("population", "ice"):
        section = getattr(model.parameters, group)
        for name in type(section).model_fields:
            found.append((f"{group}.{name}", getattr(section, name)))
    return found


def test_the_national_scenario_is_shipped_and_valid() -> None:
    assert NAME in scenario_names()
    scenario = builtin_scenario(NAME)
    assert scenario.start.isoformat() == "2008-10-27"
    assert scenario.end.isoformat() == "2011-03-31"


def test_every_parameter_states_its_source() -> None:
    params = _params(builtin_scenario(NAME))
    assert len(params) > 30
    for name, param in params:
        assert isinstance(param, Param), name
        assert len(param.source.strip()) >= 8, name


def test_a_parameter_without_source_is_refused_with_its_line() -> None:
    text = _text()
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if 'source: "ACS 2010 (Grieco' in line)
    del lines[at]
    with pytest.raises(ScenarioError) as err:
        parse_scenario("\n".join(lines), "x.yaml")
    message = str(err.value)
    assert "naturalized_share_of_foreign_born.source" in message
    assert f"x.yaml:{at}:" in message  # the line of the parameter's key (1-based = at)


def test_a_wrong_value_names_file_and_line() -> None:
    text = _text().replace("value: 0.747", "value: 1.747")
    line = next(i + 1 for i, row in enumerate(text.splitlines()) if "value: 1.747" in row)
    with pytest.raises(ScenarioError, match=rf"s\.yaml:{line}: parameters\.population\.male_share"):
        parse_scenario(text, "s.yaml")


def test_shares_must_sum_to_one() -> None:
    text = _text().replace("previously_removed: 0.0", "previously_removed: 0.1")
    with pytest.raises(ScenarioError, match="noncitizen_status_mix: shares must sum to 1"):
        parse_scenario(text, "s.yaml")


def test_unknown_ncic_code_is_refused() -> None:
    text = _text().replace('"5015": 4', '"5400": 4')
    with pytest.raises(ScenarioError, match="unknown NCIC offense code '5400'"):
        parse_scenario(text, "s.yaml")


def test_unknown_lift_reason_is_refused() -> None:
    text = _text().replace("Died: 0.0004", "Vanished: 0.0004")
    with pytest.raises(ScenarioError, match="unknown reasons"):
        parse_scenario(text, "s.yaml")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nseed: [1, 2\nstart: 2008-01-01\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+: not valid YAML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        parse_scenario("- 1\n- 2\n", "list.yaml")


def test_overrides_are_validated_and_sourced() -> None:
    base = builtin_scenario(NAME)
    changed = base.with_values(
        {
            "ice.removal_probability": {
                "level_1": 1.0,
                "level_2": 1.0,
                "level_3": 1.0,
                "non_criminal": 0.0,
            }
        },
        "test: known outcome",
    )
    assert changed.parameters.ice.removal_probability.value["non_criminal"] == 0.0
    assert changed.parameters.ice.removal_probability.source == "test: known outcome"
    with pytest.raises(ScenarioError, match="no parameter"):
        base.with_values({"ice.nope": 1}, "test: unknown")
    with pytest.raises(ValueError):
        base.with_values({"population.male_share": 2.0}, "test: out of range")
    assert base.with_overrides(seed=5).seed == 5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_scenario_or_a_clear_error(text: str) -> None:
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioError as err:
        assert str(err).startswith("fuzz.yaml:")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 200), st.sampled_from(["", "x", "-1", "[", "{a: 1}", "null", "1e9"]))
def test_corrupting_a_line_gives_a_clear_error(index: int, junk: str) -> None:
    lines = _text().splitlines()
    at = index % len(lines)
    head, sep, _ = lines[at].partition(":")
    lines[at] = f"{head}{sep} {junk}" if sep else junk
    try:
        parse_scenario("\n".join(lines), "c.yaml")
    except ScenarioError as err:
        assert str(err).startswith("c.yaml:")


def test_scenarios_extend_a_shipped_one() -> None:
    assert {"profiling-study", "pep-2015"} <= set(scenario_names())
    base = builtin_scenario(NAME)
    study = builtin_scenario("profiling-study")
    assert study.parameters.population.pretext.value.enabled
    assert study.parameters.ice == base.parameters.ice
    assert study.parameters.population.male_share == base.parameters.population.male_share
    pep = builtin_scenario("pep-2015")
    assert pep.start.isoformat() == "2015-07-02" and pep.parameters == base.parameters


def test_extending_an_unknown_scenario_names_the_line() -> None:
    text = "name: x\ndescription: d\nextends: nope\n"
    with pytest.raises(ScenarioError, match=r"x\.yaml:3: extends: no shipped scenario 'nope'"):
        parse_scenario(text, "x.yaml")
    bad = (
        "extends: national-2008-2011\nname: y\nparameters:\n  ice:\n"
        "    removal_lag_days: {value: -1, source: 'test: negative'}\n"
    )
    with pytest.raises(ScenarioError, match=r"y\.yaml:5: parameters\.ice\.removal_lag_days"):
        parse_scenario(bad, "y.yaml")
