"""Oracle mode's error rates are the full engine's measured ones, with their provenance."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

import pytest

from scomm.agencies import services
from scomm.agencies.services import DEFAULT_RATES, MATCH_RATES, measured_rates
from scomm.cli.demo_thresholds import shipped_calibration


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    text = resources.files("scomm.agencies").joinpath(MATCH_RATES).read_text()
    value = json.loads(text)
    assert isinstance(value, dict)
    return value


def test_default_rates_are_the_files(shipped: dict[str, object]) -> None:
    for name in ("cjis", "ident"):
        figures = shipped[name]
        assert isinstance(figures, dict)
        assert DEFAULT_RATES[name].fnir == figures["fnir"]
        assert DEFAULT_RATES[name].fpir == figures["fpir"]
        assert DEFAULT_RATES[name].source.startswith("measured by benchmarks/match_rates.py")
        assert str(figures["probe"]) in DEFAULT_RATES[name].source


def test_the_file_says_how_it_was_measured(shipped: dict[str, object]) -> None:
    assert str(shipped["source"]).startswith("measured by benchmarks/match_rates.py")
    assert str(shipped["command"]).startswith("benchmarks/match_rates.py")
    dt.datetime.fromisoformat(str(shipped["date"]))
    assert shipped["commit"] and shipped["capture_profile"] == "booking-live-scan"
    assert int(str(shipped["gallery_subjects"])) >= 10_000
    # what the demo needs to decide whether its galleries may operate at these thresholds
    calibration = shipped_calibration()
    assert calibration is not None
    assert calibration.calibrated_for["gallery_subjects"] == shipped["gallery_subjects"]
    assert set(calibration.calibrated_for["engine"]) == {
        "templates_sha256", "mated_score", "comparisons", "shortlist"
    }  # fmt: skip
    for name in ("cjis", "ident"):
        m = shipped[name]
        assert isinstance(m, dict)
        assert m["mated_searches"] >= 50 and m["nonmated_searches"] >= 50
        assert m["fnir"] == pytest.approx(m["misses"] / m["mated_searches"], abs=1e-5)
        assert m["fpir"] == pytest.approx(m["false_hits"] / m["nonmated_searches"], abs=1e-5)
        for rate, (low, high) in ((m["fnir"], m["fnir_95"]), (m["fpir"], m["fpir_95"])):
            assert 0 <= low <= rate <= high <= 1 and high > low
        assert m["threshold"] > 0


def test_a_run_can_still_set_its_own_rates(tmp_path: Path) -> None:
    run = services.settings({"error_rates": {"ident": {"fnir": 0.1, "fpir": 0.0}}}, tmp_path)
    assert run.rates["ident"].fnir == 0.1 and run.rates["ident"].source == "run parameters"
    assert run.rates["cjis"] == DEFAULT_RATES["cjis"]


@pytest.mark.parametrize(
    "text",
    ['{"source": "x"}', '{"source": "x", "cjis": {"fnir": "a"}, "ident": {}}', "[1]"],
)
def test_a_malformed_file_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="match-rates file"):
        measured_rates(text)
