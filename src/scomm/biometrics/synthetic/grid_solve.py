"""Least squares on the phase grid's edges: the normal equations, factorised by SuperLU.

Each equation ties the two nodes of one grid edge: ``psi[second] - psi[first] = delta``, or on
a fold ``psi[a] + psi[b] = target``. Every coefficient is +-1, so the normal matrix holds small
whole numbers: each node's number of equations on the diagonal, -1 or +1 per edge. A master
solves one or two such systems, and all but a multi-fold print's first one use every edge of
the grid, so they share one sparsity pattern; SuperLU's column order (minimum degree on
``A^T + A``, then its elimination tree's postorder) depends on the pattern alone. For those,
the order is found once per grid and the matrix is handed over already in it, rows renamed to
match and each column's entries in the order SuperLU would have read them: the factorisation
then takes the same steps on the same numbers (the same bits, tested) without ordering again,
and the matrix is filled in place instead of multiplied out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.linalg import splu

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.int64]
Folds = tuple[Index, Index]

#: SuperLU's options for every factorisation here (the same pivots in both ways of calling it)
_OPTIONS = {"SymmetricMode": True}


def grid_edges(rows: int, cols: int) -> Folds:
    """Nodes (first, second) of every edge: the horizontal ones row by row, then the vertical
    ones (the order in which the phase solve lists them)."""
    index = np.arange(rows * cols).reshape(rows, cols)
    first = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    second = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    return first.astype(np.int64), second.astype(np.int64)


def edge_ids(first: Index, second: Index, rows: int, cols: int) -> Index:
    """Each edge's place in :func:`grid_edges`."""
    horizontal = (second - first) < cols
    return np.where(horizontal, first - first // cols, rows * (cols - 1) + first)


def equation_matrix(first: Index, second: Index, folds: Folds | None, size: int) -> sp.csr_matrix:
    """The equations' coefficients, one row each, built straight into sorted CSR: the arrays
    scipy makes from coordinates (``first < second`` on every edge), without sorting them.

    Rows: one per plain edge (-1 at ``first``, +1 at ``second``), then either one pinning
    ``psi[0]`` (no folds: the free constant) or one per fold (+1 at both nodes)."""
    n = len(first)
    if folds is not None:
        first, second = np.concatenate([first, folds[0]]), np.concatenate([second, folds[1]])
    pairs = 2 * len(first)
    columns = np.zeros(pairs + (folds is None), dtype=np.int32)
    columns[0:pairs:2] = first
    columns[1:pairs:2] = second
    values = np.ones(len(columns))
    values[0 : 2 * n : 2] = -1.0
    rows = len(first) + (folds is None)
    indptr = np.minimum(2 * np.arange(rows + 1), len(columns)).astype(np.int32)
    matrix = sp.csr_matrix((values, columns, indptr), shape=(rows, size))
    matrix.has_canonical_format = True
    return matrix


@dataclass(frozen=True, eq=False)
class GridOrdering:
    """The whole grid's normal matrix pattern in SuperLU's column order.

    ``diagonal``, ``lower`` and ``upper`` are the positions, in the matrix's sorted CSC data,
    of each node's diagonal entry and of each edge's two entries (row ``second``, row
    ``first``). ``order[j]`` is the column SuperLU puts at ``j``; ``gather``, ``indices`` and
    ``indptr`` are the matrix with its columns in that order, each row ``r`` renamed to the
    column place of node ``r`` and each column's entries in their sorted-CSC order."""

    rows: int
    cols: int
    degree: Array
    diagonal: Index
    lower: Index
    upper: Index
    order: Index
    gather: Index
    indices: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int32]

    def ordered_matrix(self, signs: Array, pinned: bool) -> sp.csc_matrix:
        """The normal matrix of equations on every edge (``signs``: -1 plain, +1 fold, per
        edge), with node 0 pinned or not, ready for SuperLU's natural order."""
        data = np.empty(len(self.indices))
        data[self.diagonal] = self.degree
        if pinned:
            data[self.diagonal[0]] += 1.0
        data[self.lower] = signs
        data[self.upper] = signs
        size = self.rows * self.cols
        matrix = sp.csc_matrix((data[self.gather], self.indices, self.indptr), (size, size))
        # not sorted by the new row names on purpose: SuperLU's symbolic steps visit a column's
        # entries in the given order, which must be the original one for the same result
        matrix.has_canonical_format = True
        return matrix


@functools.lru_cache(maxsize=4)
def grid_ordering(rows: int, cols: int) -> GridOrdering:
    """Factorise the whole grid's pinned Laplacian once, to learn SuperLU's column order."""
    size = rows * cols
    first, second = grid_edges(rows, cols)
    equations = equation_matrix(first, second, None, size)
    normal = (equations.T @ equations).tocsc()
    normal.sort_indices()
    permutation = np.asarray(
        splu(normal.copy(), permc_spec="MMD_AT_PLUS_A", options=_OPTIONS).perm_c, dtype=np.int64
    )
    column_of = np.repeat(np.arange(size, dtype=np.int64), np.diff(normal.indptr))
    keys = column_of * size + normal.indices

    def place(row: Index, column: Index) -> Index:
        return np.asarray(np.searchsorted(keys, column * size + row), dtype=np.int64)

    nodes = np.arange(size, dtype=np.int64)
    order = np.argsort(permutation).astype(np.int64)
    counts = np.diff(normal.indptr)[order]
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    gather = np.repeat(normal.indptr[order] - indptr[:-1], counts) + np.arange(indptr[-1])
    degree = np.bincount(first, minlength=size) + np.bincount(second, minlength=size)
    grid = GridOrdering(
        rows=rows,
        cols=cols,
        degree=degree.astype(np.float64),
        diagonal=place(nodes, nodes),
        lower=place(second, first),
        upper=place(first, second),
        order=order,
        gather=gather.astype(np.int64),
        indices=permutation[normal.indices[gather]].astype(np.int32),
        indptr=indptr,
    )
    for array in (grid.degree, grid.diagonal, grid.lower, grid.upper, grid.order, grid.gather):
        array.setflags(write=False)  # shared by every system of the grid (and by SuperLU)
    grid.indices.setflags(write=False)
    grid.indptr.setflags(write=False)
    return grid


class NormalEquations:
    """The equations on ``first``/``second`` (and the ``folds``) of a ``rows`` x ``cols``
    grid, factorised once and solved for any right-hand side."""

    def __init__(
        self, first: Index, second: Index, folds: Folds | None, rows: int, cols: int
    ) -> None:
        size = rows * cols
        self._matrix = equation_matrix(first, second, folds, size)
        self._pinned = folds is None
        self._order: Index | None = None
        fold_count = 0 if folds is None else len(folds[0])
        if len(first) + fold_count == rows * (cols - 1) + (rows - 1) * cols:
            # every edge once (the phase solve lists each edge at most once)
            grid = grid_ordering(rows, cols)
            signs = -np.ones(len(first) + fold_count)
            if folds is not None:
                signs[edge_ids(folds[0], folds[1], rows, cols)] = 1.0
            self._order = grid.order
            ordered = grid.ordered_matrix(signs, self._pinned)
            self._factor = splu(ordered, permc_spec="NATURAL", options=_OPTIONS)
        else:
            normal = (self._matrix.T @ self._matrix).tocsc()
            self._factor = splu(normal, permc_spec="MMD_AT_PLUS_A", options=_OPTIONS)

    def solve(self, delta: Array, fold_target: Array | None) -> Array:
        """The least-squares phase for these steps (and fold targets)."""
        return self._solve(self._right_side(delta, fold_target))

    def residual(self, delta: Array, fold_target: Array | None) -> Array:
        """What the least-squares solution leaves unexplained, equation by equation."""
        b = self._right_side(delta, fold_target)
        return np.asarray(self._matrix @ self._solve(b) - b, dtype=np.float64)

    def _right_side(self, delta: Array, fold_target: Array | None) -> Array:
        tail = np.zeros(1) if self._pinned else fold_target
        return np.concatenate([delta] if tail is None else [delta, tail])

    def _solve(self, b: Array) -> Array:
        projected = self._matrix.T @ b
        if self._order is None:
            return np.asarray(self._factor.solve(projected), dtype=np.float64)
        values = np.empty(len(projected))
        values[self._order] = self._factor.solve(projected[self._order])
        return values
