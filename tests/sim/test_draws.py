"""Counter-based draws: one value per key, whether asked singly or in bulk."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from scomm.sim.draws import uniform, uniform_array

keys = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.integers(0, 2**63 - 1), keys, keys)
def test_scalar_and_array_agree(seed: int, a: int, b: int) -> None:
    value = uniform(seed, a, b)
    assert 0.0 <= value < 1.0
    assert uniform_array(seed, np.array([a]), np.array([b]))[0] == value


def test_draws_look_uniform_and_depend_on_every_key() -> None:
    values = uniform_array(42, np.arange(100_000), 7)
    assert abs(values.mean() - 0.5) < 0.01
    assert np.histogram(values, bins=10, range=(0, 1))[0].min() > 9_500
    assert uniform(42, 1, 7) != uniform(42, 7, 1)
    assert uniform(42, 1) != uniform(43, 1)


def test_world_draws_match_the_bulk_form() -> None:
    from scomm.sim.draws import Stream, stream_uniforms
    from scomm.sim.world import draw_matrix

    persons, rows = np.array([3, 10**9, 0]), np.array([7, 12, -1])
    bulk = draw_matrix(99, persons, rows)
    for i, (p, r) in enumerate(zip(persons.tolist(), rows.tolist(), strict=True)):
        single = stream_uniforms(99, p, r)
        assert bulk[i].tolist() == list(single)
        assert single[Stream.DETAINER - 1] == uniform(99, p, r, int(Stream.DETAINER))
