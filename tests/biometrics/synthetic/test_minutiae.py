"""The ground-truth minutiae value: validation and JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scomm.biometrics.synthetic import GroundTruthMinutiae

coords = st.floats(min_value=0, max_value=2000, allow_nan=False, width=32)
angles = st.floats(min_value=0, max_value=6.25, allow_nan=False, width=32)


@given(st.lists(st.tuples(coords, coords, angles, st.integers(0, 1)), max_size=80))
def test_json_round_trip(items: list[tuple[float, float, float, int]]) -> None:
    m = GroundTruthMinutiae(
        np.array([i[0] for i in items]),
        np.array([i[1] for i in items]),
        np.array([i[2] for i in items]),
        np.array([i[3] for i in items]),
    )
    back = GroundTruthMinutiae.from_json(m.to_json())
    assert len(back) == len(m)
    assert np.allclose(back.x, m.x, atol=0.006)
    assert np.allclose(back.y, m.y, atol=0.006)
    assert np.allclose(np.cos(back.theta - m.theta), 1.0, atol=1e-3)
    assert np.array_equal(back.kind, m.kind)


def test_arrays_are_read_only_and_angles_wrapped() -> None:
    m = GroundTruthMinutiae(np.array([1.0]), np.array([2.0]), np.array([-np.pi / 2]), [1])
    assert m.theta[0] == pytest.approx(3 * np.pi / 2, abs=1e-5)
    with pytest.raises(ValueError):
        m.x[0] = 5


def test_mismatched_lengths_and_bad_kinds_are_rejected() -> None:
    with pytest.raises(ValueError, match="equal length"):
        GroundTruthMinutiae(np.zeros(2), np.zeros(3), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="kind"):
        GroundTruthMinutiae(np.zeros(1), np.zeros(1), np.zeros(1), np.array([2]))


def test_malformed_json_names_the_entry() -> None:
    good = {"x": 1, "y": 2, "theta": 0.5, "kind": "ending"}
    with pytest.raises(ValueError, match="minutia 1"):
        GroundTruthMinutiae.from_json([good, {"x": 1, "y": 2, "kind": "ending"}])
    with pytest.raises(ValueError, match="minutia 0: kind"):
        GroundTruthMinutiae.from_json([{**good, "kind": "island"}])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
entries = st.dictionaries(
    st.sampled_from(["x", "y", "theta", "kind", "other"]),
    json_values | st.sampled_from(["ending", "bifurcation"]),
)


@given(st.lists(entries | json_values, max_size=5))
def test_from_json_rejects_garbage_with_value_error_only(items: list[object]) -> None:
    try:
        result = GroundTruthMinutiae.from_json(items)  # type: ignore[arg-type]
    except ValueError:
        return
    assert len(result) == len(items)
