"""The continuous part of the master's phase field (Larkin and Fletcher 2007).

The grey level of a master is ``cos(psi)`` with ``psi = psi_c + psi_s``. This module finds
``psi_c``: on a coarse grid, by least squares, so that its gradient follows the ridge normal
times ``2*pi/period``. The normal has no consistent sign around cores and deltas, so each slit of
the pattern is a fold: across it the phase is mirrored (``psi -> 2*pi*m - psi``), which ``cos``
cannot see. With several slits, a first solve without them tells the whole numbers ``m``.
The spiral part and the rendering are in :mod:`ridges`.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.synthetic.frequency import RidgePeriodMap
from scomm.biometrics.synthetic.grid_solve import NormalEquations, grid_edges
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH, FingerPattern

Array = npt.NDArray[np.float64]

GRID_STEP = 6
#: extra solves asking for more ridges where they came out sparse: a core-delta pair (loops,
#: tented arches) needs several to shrink the smudge by the delta; whorl centres get busy with
#: more than one
BOOST_ROUNDS_PAIRED = 3
BOOST_ROUNDS = 1


@dataclass(frozen=True, eq=False)
class ContinuousPhase:
    """``psi_c`` on the coarse grid plus the folds (slits) it was solved with."""

    values: Array  # (rows, cols) at pixel ((j + 0.5) * step - 0.5, (i + 0.5) * step - 0.5)
    step: int
    slit_start: Array  # (k, 2)
    slit_dir: Array  # (k, 2)
    slit_length: Array  # (k,)
    slit_wrap: Array  # (k,) 2*pi*m of each fold
    period: Array  # (rows, cols) the wanted ridge period at the nodes (``periods.period``)


def _wrap(angle: Array) -> Array:
    return np.asarray((angle + np.pi) % (2 * np.pi) - np.pi, dtype=np.float64)


def _slit_arrays(pattern: FingerPattern) -> tuple[Array, Array, Array]:
    diagonal = float(np.hypot(MASTER_WIDTH, MASTER_HEIGHT))
    start = np.array([[s.start_x, s.start_y] for s in pattern.slits], dtype=np.float64)
    direction = np.array([[s.dir_x, s.dir_y] for s in pattern.slits], dtype=np.float64)
    length = np.array([min(s.length, diagonal) for s in pattern.slits], dtype=np.float64)
    return start.reshape(-1, 2), direction.reshape(-1, 2), length


def distance_to_segments(
    px: Array, py: Array, start: Array, direction: Array, length: Array
) -> Array:
    """Distance of each point to each segment, shape (points, segments)."""
    dx = px[:, None] - start[None, :, 0]
    dy = py[:, None] - start[None, :, 1]
    t = np.clip(dx * direction[None, :, 0] + dy * direction[None, :, 1], 0.0, length[None, :])
    ex = dx - t * direction[None, :, 0]
    ey = dy - t * direction[None, :, 1]
    return np.asarray(np.hypot(ex, ey), dtype=np.float64)


def solve_continuous_phase(pattern: FingerPattern, periods: RidgePeriodMap) -> ContinuousPhase:
    """Least-squares phase whose gradient follows the orientation and frequency model."""
    step = GRID_STEP
    rows, cols = -(-MASTER_HEIGHT // step), -(-MASTER_WIDTH // step)
    ys = (np.arange(rows) + 0.5) * step - 0.5
    xs = (np.arange(cols) + 0.5) * step - 0.5
    gx, gy = np.meshgrid(xs, ys)
    normal = pattern.normal_angle(gx, gy)
    unit = (np.cos(normal), np.sin(normal))  # the same for every round's edges
    period = periods.period(gx, gy)
    target = 2 * np.pi / period
    start, direction, length = _slit_arrays(pattern)
    edges = _edges(unit, target, step, gx, gy, (start, direction, length))
    same = ~edges.flip
    flip = edges.flip
    has_folds = bool(flip.any() and len(length))
    wraps = np.zeros(len(length))
    owner = np.zeros(0, dtype=np.int64)
    if has_folds:
        owner = np.argmin(
            distance_to_segments(edges.mid_x[flip], edges.mid_y[flip], start, direction, length),
            axis=1,
        )
    if has_folds and len(length) > 1:
        # Each fold needs psi_left + psi_right = 2*pi*m; m comes from a solve without folds.
        # (With a single fold the free constant makes m = 0.)
        values = NormalEquations(edges.first[same], edges.second[same], None, rows, cols).solve(
            edges.delta_same[same], None
        )
        fold = values[edges.first[flip]] + values[edges.second[flip]] + edges.delta_flip[flip]
        sums = np.array(
            [np.median(fold[owner == k]) if np.any(owner == k) else 0.0 for k in range(len(length))]
        )
        wraps = 2 * np.pi * np.round((sums - sums[0]) / (2 * np.pi))
    system = NormalEquations(
        edges.first[same],
        edges.second[same],
        (edges.first[flip], edges.second[flip]) if has_folds else None,
        rows,
        cols,
    )
    if has_folds and len(length) > 1:
        wraps = _best_wraps(system, edges, owner, wraps, same, flip)
    # The orientation model is not the gradient of any phase, so least squares leaves ridges too
    # far apart where the flow fans out. Ask for proportionally more there and solve again (the
    # edges, hence the factorisation, stay the same).
    wavenumber = target
    rounds = BOOST_ROUNDS_PAIRED if len(length) == 1 else BOOST_ROUNDS
    for attempt in range(rounds + 1):
        if attempt:
            wavenumber = wavenumber * _frequency_boost(values, target, edges, step, rows, cols)
            edges = _edges(unit, wavenumber, step, gx, gy, (start, direction, length), edges)
        fold_target = wraps[owner] - edges.delta_flip[flip] if has_folds else None
        values = system.solve(edges.delta_same[same], fold_target)
    return ContinuousPhase(
        values=values.reshape(rows, cols),
        step=step,
        slit_start=start,
        slit_dir=direction,
        slit_length=length,
        slit_wrap=wraps,
        period=period,
    )


@dataclass(frozen=True, eq=False)
class _Edges:
    """Grid edges with the phase step each should have (plain, or across a fold)."""

    first: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    delta_same: Array
    delta_flip: Array
    flip: npt.NDArray[np.bool_]
    mid_x: Array
    mid_y: Array


def strain(phase: ContinuousPhase) -> float:
    """Share of the finger's centre where the ridge spacing is far from the wanted one.

    A few singular-point layouts drawn at random give an orientation field that no phase can
    follow (ridges torn or smeared over large areas); those score well above 0.1, while good
    layouts stay below about 0.05.
    """
    step = phase.step
    gradients = np.gradient(phase.values, float(step))
    rows, cols = phase.values.shape
    ys = (np.arange(rows) + 0.5) * step - 0.5
    xs = (np.arange(cols) + 0.5) * step - 0.5
    gx, gy = np.meshgrid(xs, ys)
    ratio = np.hypot(np.asarray(gradients[0]), np.asarray(gradients[1])) * (
        phase.period / (2 * np.pi)
    )
    centre = (np.abs(gx - MASTER_WIDTH / 2) < 170) & (np.abs(gy - MASTER_HEIGHT * 0.54) < 200)
    off = ((ratio < 0.6) | (ratio > 1.6)) & centre
    return float(off.sum() / max(int(centre.sum()), 1))


def _best_wraps(
    system: NormalEquations,
    edges: _Edges,
    owner: npt.NDArray[np.int64],
    wraps: Array,
    same: npt.NDArray[np.bool_],
    flip: npt.NDArray[np.bool_],
) -> Array:
    """Try each fold's whole number one up and down; keep what least squares likes best.

    Rounding can pick the wrong neighbour when a fold's phase sum sits near an odd multiple of
    pi, which tears the ridges. The residual is linear in the fold numbers, so one solve per
    fold gives the cost of every combination.
    """
    plain = edges.delta_same[same]
    base = system.residual(plain, wraps[owner] - edges.delta_flip[flip])
    folds = len(wraps)
    responses = []
    for k in range(1, folds):
        unit = (owner == k).astype(np.float64) * (2 * np.pi)
        responses.append(system.residual(np.zeros_like(plain), unit))
    best, best_cost = wraps, _squared_norm(base)
    for steps in itertools.product((-1, 0, 1), repeat=folds - 1):
        residual = base + sum((c * r for c, r in zip(steps, responses, strict=True)), 0 * base)
        cost = _squared_norm(residual)
        if cost < best_cost - 1e-9:
            best_cost = cost
            best = wraps + 2 * np.pi * np.array((0, *steps), dtype=np.float64)
    return best


def _squared_norm(vector: Array) -> float:
    """``vector @ vector`` without BLAS: a threaded BLAS wakes its threads for every such
    product of ~15,000 numbers, which cost more than the products themselves (a quarter of a
    master's CPU time with two generators on two cores) and made the sum depend on the thread
    count."""
    return float(np.einsum("i,i->", vector, vector))


def _crosses_slits(
    ax: Array, ay: Array, bx: Array, by: Array, slits: tuple[Array, Array, Array]
) -> npt.NDArray[np.bool_]:
    """Whether each segment a-b crosses an odd number of slits (so the normal turns round)."""
    start, direction, length = slits
    odd = np.zeros(ax.shape, dtype=bool)
    for k in range(len(length)):
        sx, sy = start[k]
        ex, ey = start[k] + direction[k] * length[k]
        d1 = (ex - sx) * (ay - sy) - (ey - sy) * (ax - sx)
        d2 = (ex - sx) * (by - sy) - (ey - sy) * (bx - sx)
        d3 = (bx - ax) * (sy - ay) - (by - ay) * (sx - ax)
        d4 = (bx - ax) * (ey - ay) - (by - ay) * (ex - ax)
        odd ^= (d1 * d2 < 0) & (d3 * d4 < 0)
    return odd


def _edges(
    unit: tuple[Array, Array],
    wavenumber: Array,
    step: int,
    gx: Array,
    gy: Array,
    slits: tuple[Array, Array, Array],
    geometry: _Edges | None = None,
) -> _Edges:
    """The grid's edges with their phase steps for ``wavenumber`` along the normal whose cosine
    and sine are ``unit`` (worked out once for every round); ``geometry``, edges of the
    same grid and slits, lends its nodes, folds and midpoints (only the steps change)."""
    rows, cols = wavenumber.shape
    kx = wavenumber * unit[0]
    ky = wavenumber * unit[1]
    names = ("same", "flipd") if geometry else ("same", "flipd", "flip", "mx", "my")
    parts: dict[str, list[npt.NDArray[np.generic]]] = {name: [] for name in names}
    for axis, k in ((1, kx), (0, ky)):
        a = (slice(None), slice(None, -1)) if axis == 1 else (slice(None, -1), slice(None))
        b = (slice(None), slice(1, None)) if axis == 1 else (slice(1, None), slice(None))
        parts["same"].append((step * 0.5 * (k[a] + k[b])).ravel())
        parts["flipd"].append((step * 0.5 * (k[a] - k[b])).ravel())
        if geometry is None:
            parts["flip"].append(_crosses_slits(gx[a], gy[a], gx[b], gy[b], slits).ravel())
            parts["mx"].append((0.5 * (gx[a] + gx[b])).ravel())
            parts["my"].append((0.5 * (gy[a] + gy[b])).ravel())
    joined = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    delta_same = joined["same"].astype(np.float64)
    delta_flip = joined["flipd"].astype(np.float64)
    if geometry is not None:
        return dataclasses.replace(geometry, delta_same=delta_same, delta_flip=delta_flip)
    first, second = grid_edges(rows, cols)  # in the same order: horizontal, then vertical
    return _Edges(
        first=first,
        second=second,
        delta_same=delta_same,
        delta_flip=delta_flip,
        flip=joined["flip"].astype(np.bool_),
        mid_x=joined["mx"].astype(np.float64),
        mid_y=joined["my"].astype(np.float64),
    )


def _frequency_boost(
    values: Array, target: Array, edges: _Edges, step: int, rows: int, cols: int
) -> Array:
    """Smooth factor by which the asked-for wavenumber should grow to get the wanted one."""
    grid = values.reshape(rows, cols)
    gradients = np.gradient(grid, float(step))
    achieved = np.hypot(np.asarray(gradients[0]), np.asarray(gradients[1]))
    ratio = np.clip(target / np.maximum(achieved, 1e-6), 1.0, 1.6)
    near_fold = np.zeros(rows * cols, dtype=bool)
    near_fold[edges.first[edges.flip]] = True
    near_fold[edges.second[edges.flip]] = True
    ratio = np.where(near_fold.reshape(rows, cols), 1.0, ratio)
    smooth = cv2.GaussianBlur(ratio.astype(np.float32), (0, 0), 2.0)
    return np.asarray(smooth, dtype=np.float64)
