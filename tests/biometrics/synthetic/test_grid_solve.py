"""The phase grid's normal equations: the fast set-up solves bit for bit as the plain one.

The plain way is the one the generator used before: the equations' matrix from coordinates,
its normal matrix multiplied out, and SuperLU ordering the columns itself.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from scomm.biometrics.synthetic.grid_solve import (
    NormalEquations,
    edge_ids,
    equation_matrix,
    grid_edges,
    grid_ordering,
)

Index = npt.NDArray[np.int64]
ROWS, COLS = 80, 94  # the master's grid


def _plain_matrix(
    first: Index, second: Index, folds: tuple[Index, Index] | None, size: int
) -> sp.csr_matrix:
    n = len(first)
    row_ids, col_ids, coef = (
        [np.arange(n), np.arange(n)],
        [first, second],
        [-np.ones(n), np.ones(n)],
    )
    if folds is None:
        row_ids.append(np.array([n]))
        col_ids.append(np.array([0]))
        coef.append(np.array([1.0]))
        total = n + 1
    else:
        m = len(folds[0])
        row_ids += [n + np.arange(m), n + np.arange(m)]
        col_ids += list(folds)
        coef += [np.ones(m), np.ones(m)]
        total = n + m
    return sp.csr_matrix(
        (np.concatenate(coef), (np.concatenate(row_ids), np.concatenate(col_ids))),
        shape=(total, size),
    )


def _system(
    rows: int, cols: int, share: float, folded: bool, seed: int
) -> tuple[Index, Index, tuple[Index, Index] | None]:
    first, second = grid_edges(rows, cols)
    flip = np.random.default_rng(seed).random(len(first)) < share
    if not folded:
        return first[~flip], second[~flip], None
    return first[~flip], second[~flip], (first[flip], second[flip])


def test_edges_are_numbered_in_their_listed_order() -> None:
    first, second = grid_edges(ROWS, COLS)
    assert len(first) == ROWS * (COLS - 1) + (ROWS - 1) * COLS
    assert np.array_equal(edge_ids(first, second, ROWS, COLS), np.arange(len(first)))
    assert np.all(second > first)


@pytest.mark.parametrize(("share", "folded"), [(0.0, False), (0.02, False), (0.02, True)])
def test_equation_matrix_holds_the_arrays_scipy_builds_from_coordinates(
    share: float, folded: bool
) -> None:
    first, second, folds = _system(ROWS, COLS, share, folded, 5)
    fast = equation_matrix(first, second, folds, ROWS * COLS)
    plain = _plain_matrix(first, second, folds, ROWS * COLS)
    assert fast.shape == plain.shape
    for name in ("data", "indices", "indptr"):
        assert getattr(fast, name).dtype == getattr(plain, name).dtype
        assert np.array_equal(getattr(fast, name), getattr(plain, name))


@pytest.mark.parametrize(
    ("rows", "cols", "share", "folded", "seed"),
    [
        (ROWS, COLS, 0.0, False, 0),  # every edge, pinned: a print without folds
        (ROWS, COLS, 0.01, True, 1),  # every edge, some folded: the usual system
        (ROWS, COLS, 0.05, True, 2),
        (ROWS, COLS, 0.01, False, 3),  # folds left out: SuperLU orders these itself
        (17, 23, 0.1, True, 4),
    ],
)
def test_solutions_are_those_of_superlu_ordering_the_columns_itself(
    rows: int, cols: int, share: float, folded: bool, seed: int
) -> None:
    first, second, folds = _system(rows, cols, share, folded, seed)
    matrix = _plain_matrix(first, second, folds, rows * cols)
    plain = splu(
        (matrix.T @ matrix).tocsc(), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True}
    )
    fast = NormalEquations(first, second, folds, rows, cols)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        delta = rng.normal(0.0, 2.0, len(first))
        target = None if folds is None else rng.normal(0.0, 5.0, len(folds[0]))
        b = np.concatenate([delta, np.zeros(1) if target is None else target])
        expected = plain.solve(matrix.T @ b)
        assert np.array_equal(fast.solve(delta, target), expected)
        assert np.array_equal(fast.residual(delta, target), matrix @ expected - b)


def test_the_grid_order_is_superlus_own_for_every_sign_pattern() -> None:
    grid = grid_ordering(ROWS, COLS)
    first, second, folds = _system(ROWS, COLS, 0.03, True, 7)
    assert folds is not None
    matrix = _plain_matrix(first, second, folds, ROWS * COLS)
    factor = splu(
        (matrix.T @ matrix).tocsc(), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True}
    )
    assert np.array_equal(np.argsort(factor.perm_c), grid.order)
