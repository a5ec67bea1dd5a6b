from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import ThresholdTable, error_rates, threshold_for_fmr
from scomm.biometrics.thresholds import false_match_rate

scores = st.lists(st.floats(0, 1), min_size=1, max_size=300)


@settings(max_examples=100, deadline=None)
@given(scores, st.sampled_from([0.0, 0.001, 0.01, 0.1, 0.5]))
def test_threshold_meets_the_target_and_is_the_lowest_that_does(
    impostor: list[float], target: float
) -> None:
    threshold = threshold_for_fmr(impostor, target)
    assert false_match_rate(impostor, threshold) <= target
    # Any lower threshold at an impostor score would exceed the target.
    below = [s for s in impostor if s < threshold]
    if below:
        assert false_match_rate(impostor, max(below)) > target


def test_separable_scores_have_zero_error() -> None:
    rates = error_rates([0.8, 0.9, 0.7], [0.1, 0.2, 0.3])
    assert rates.eer == 0.0
    assert rates.zerofmr == 0.0


def test_overlapping_scores_give_the_expected_eer() -> None:
    genuine = np.linspace(0.3, 1.0, 100)
    impostor = np.linspace(0.0, 0.4, 100)
    rates = error_rates(genuine, impostor)
    assert 0.05 < rates.eer < 0.2
    assert rates.fmr100 >= rates.eer or rates.fmr100 > 0


def test_packaged_table_is_ordered_by_strictness() -> None:
    table = ThresholdTable.packaged()
    assert "FVC2004" in table.source
    assert table.at(0.001) >= table.at(0.01) >= table.at(0.1)
    with pytest.raises(KeyError, match="no threshold"):
        table.at(0.123)


def test_table_json_round_trip() -> None:
    table = ThresholdTable.calibrate([0.1, 0.2, 0.3, 0.4], (0.25, 0.0), "test")
    assert ThresholdTable.from_json(table.to_json()) == table
