"""The master print's ridges as an AM-FM phase field (Larkin and Fletcher 2007).

The grey level of the master is ``cos(psi)`` with ``psi = psi_c + psi_s``:

* ``psi_c``, the continuous phase, is found on a coarse grid by least squares so that its gradient
  follows the ridge normal times ``2*pi/period``. The normal has no consistent sign around cores
  and deltas, so each slit of the pattern is a fold: across it the phase is mirrored
  (``psi -> 2*pi*m - psi``), which ``cos`` cannot see. A first solve without the slits tells the
  whole number ``m`` of each fold; a second solve imposes the folds.
* ``psi_s``, the spiral phase, is a sum of ``+-arg(z - z_n)``: each term makes exactly one
  minutia at ``z_n``, which is why the minutiae are known exactly. Along a slit the spiral phase
  must vanish (mod 2*pi) for the fold to stay seamless, so a smooth copy of it, fading away from
  the slit, is subtracted there.

The per-pixel work (bilinear phase with folds, the spiral product, the slit correction) is one
numba kernel; everything else is numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numba import njit
from scipy.sparse.linalg import splu

from scomm.biometrics.synthetic.frequency import RidgePeriodMap
from scomm.biometrics.synthetic.pattern import MASTER_HEIGHT, MASTER_WIDTH, FingerPattern

Array = npt.NDArray[np.float64]

GRID_STEP = 6
BOOST_ROUNDS = 1
#: half-width of the band around a slit where the spiral phase is pinned to zero (pixels)
SLIT_BAND = 18.0
#: how far beyond a slit's ends the pinning fades out (pixels)
SLIT_FADE = 22.0


@dataclass(frozen=True, eq=False)
class ContinuousPhase:
    """``psi_c`` on the coarse grid plus the folds (slits) it was solved with."""

    values: Array  # (rows, cols) at pixel ((j + 0.5) * step - 0.5, (i + 0.5) * step - 0.5)
    step: int
    slit_start: Array  # (k, 2)
    slit_dir: Array  # (k, 2)
    slit_length: Array  # (k,)
    slit_wrap: Array  # (k,) 2*pi*m of each fold


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
    target = 2 * np.pi / periods.period(gx, gy)
    start, direction, length = _slit_arrays(pattern)
    size = rows * cols
    edges = _edges(normal, target, step, gx, gy, (start, direction, length))
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
        values = _LeastSquares(edges.first[same], edges.second[same], None, size).solve(
            edges.delta_same[same], None
        )
        fold = values[edges.first[flip]] + values[edges.second[flip]] + edges.delta_flip[flip]
        sums = np.array(
            [np.median(fold[owner == k]) if np.any(owner == k) else 0.0 for k in range(len(length))]
        )
        wraps = 2 * np.pi * np.round((sums - sums[0]) / (2 * np.pi))
    system = _LeastSquares(
        edges.first[same],
        edges.second[same],
        (edges.first[flip], edges.second[flip]) if has_folds else None,
        size,
    )
    # The orientation model is not the gradient of any phase, so least squares leaves ridges too
    # far apart where the flow fans out. Ask for proportionally more there and solve again (the
    # edges, hence the factorisation, stay the same).
    if has_folds and len(length) > 1:
        wraps = _best_wraps(system, edges, owner, wraps, same, flip)
    wavenumber = target
    for attempt in range(BOOST_ROUNDS + 1):
        if attempt:
            wavenumber = wavenumber * _frequency_boost(values, target, edges, step, rows, cols)
            edges = _edges(normal, wavenumber, step, gx, gy, (start, direction, length))
        fold_target = wraps[owner] - edges.delta_flip[flip] if has_folds else None
        values = system.solve(edges.delta_same[same], fold_target)
    return ContinuousPhase(
        values=values.reshape(rows, cols),
        step=step,
        slit_start=start,
        slit_dir=direction,
        slit_length=length,
        slit_wrap=wraps,
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


def strain(phase: ContinuousPhase, periods: RidgePeriodMap) -> float:
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
        periods.period(gx, gy) / (2 * np.pi)
    )
    centre = (np.abs(gx - MASTER_WIDTH / 2) < 170) & (np.abs(gy - MASTER_HEIGHT * 0.54) < 200)
    off = ((ratio < 0.6) | (ratio > 1.6)) & centre
    return float(off.sum() / max(int(centre.sum()), 1))


def _best_wraps(
    system: _LeastSquares,
    edges: _Edges,
    owner: npt.NDArray[np.int64],
    wraps: Array,
    same: npt.NDArray[np.bool_],
    flip: npt.NDArray[np.bool_],
) -> Array:
    """Try each fold's whole number one up and down; keep what least squares likes best.

    Rounding can pick the wrong neighbour when a fold's phase sum sits near an odd multiple of
    pi, which tears the ridges; the factorisation is shared, so trying is cheap.
    """
    best = wraps
    best_cost = system.solve_with_cost(
        edges.delta_same[same], wraps[owner] - edges.delta_flip[flip]
    )[1]
    for _ in range(2):
        improved = False
        for k in range(1, len(wraps)):
            for change in (-2 * np.pi, 2 * np.pi):
                trial = best.copy()
                trial[k] += change
                cost = system.solve_with_cost(
                    edges.delta_same[same], trial[owner] - edges.delta_flip[flip]
                )[1]
                if cost < best_cost - 1e-9:
                    best, best_cost, improved = trial, cost, True
        if not improved:
            break
    return best


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
    normal: Array,
    wavenumber: Array,
    step: int,
    gx: Array,
    gy: Array,
    slits: tuple[Array, Array, Array],
) -> _Edges:
    rows, cols = normal.shape
    index = np.arange(rows * cols).reshape(rows, cols)
    kx = wavenumber * np.cos(normal)
    ky = wavenumber * np.sin(normal)
    parts: dict[str, list[npt.NDArray[np.generic]]] = {
        name: [] for name in ("first", "second", "same", "flipd", "flip", "mx", "my")
    }
    for axis, k in ((1, kx), (0, ky)):
        a = (slice(None), slice(None, -1)) if axis == 1 else (slice(None, -1), slice(None))
        b = (slice(None), slice(1, None)) if axis == 1 else (slice(1, None), slice(None))
        parts["flip"].append(_crosses_slits(gx[a], gy[a], gx[b], gy[b], slits).ravel())
        parts["first"].append(index[a].ravel())
        parts["second"].append(index[b].ravel())
        parts["same"].append((step * 0.5 * (k[a] + k[b])).ravel())
        parts["flipd"].append((step * 0.5 * (k[a] - k[b])).ravel())
        parts["mx"].append((0.5 * (gx[a] + gx[b])).ravel())
        parts["my"].append((0.5 * (gy[a] + gy[b])).ravel())
    joined = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    return _Edges(
        first=joined["first"].astype(np.int64),
        second=joined["second"].astype(np.int64),
        delta_same=joined["same"].astype(np.float64),
        delta_flip=joined["flipd"].astype(np.float64),
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


class _LeastSquares:
    """Normal equations of ``psi[second] - psi[first] = delta`` (and, on folds,
    ``psi[a] + psi[b] = target``), factorised once and solved for any right-hand side."""

    def __init__(
        self,
        first: npt.NDArray[np.int64],
        second: npt.NDArray[np.int64],
        folds: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None,
        size: int,
    ) -> None:
        n = len(first)
        row_ids = [np.arange(n), np.arange(n)]
        col_ids = [first, second]
        coef = [-np.ones(n), np.ones(n)]
        if folds is None:  # pin the free constant
            row_ids.append(np.array([n]))
            col_ids.append(np.array([0]))
            coef.append(np.array([1.0]))
            total = n + 1
        else:
            a, b = folds
            m = len(a)
            row_ids += [n + np.arange(m), n + np.arange(m)]
            col_ids += [a, b]
            coef += [np.ones(m), np.ones(m)]
            total = n + m
        self._pinned = folds is None
        self._matrix = sp.csr_matrix(
            (np.concatenate(coef), (np.concatenate(row_ids), np.concatenate(col_ids))),
            shape=(total, size),
        )
        normal = (self._matrix.T @ self._matrix).tocsc()
        self._factor = splu(normal, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})

    def solve(self, delta: Array, fold_target: Array | None) -> Array:
        return self.solve_with_cost(delta, fold_target)[0]

    def solve_with_cost(self, delta: Array, fold_target: Array | None) -> tuple[Array, float]:
        """The solution and its sum of squared residuals."""
        parts = [delta, np.zeros(1)] if self._pinned else [delta, fold_target]
        b = np.concatenate([p for p in parts if p is not None])
        values = np.asarray(self._factor.solve(self._matrix.T @ b), dtype=np.float64)
        residual = self._matrix @ values - b
        return values, float(residual @ residual)


@njit(cache=True)
def _crosses(
    ax: float, ay: float, bx: float, by: float, sx: float, sy: float, ex: float, ey: float
) -> bool:  # pragma: no cover - compiled
    d1 = (ex - sx) * (ay - sy) - (ey - sy) * (ax - sx)
    d2 = (ex - sx) * (by - sy) - (ey - sy) * (bx - sx)
    d3 = (bx - ax) * (sy - ay) - (by - ay) * (sx - ax)
    d4 = (bx - ax) * (ey - ay) - (by - ay) * (ex - ax)
    return d1 * d2 < 0.0 and d3 * d4 < 0.0


@njit(cache=True)
def _smooth(t: float) -> float:  # pragma: no cover - compiled
    if t <= 0.0:
        return 0.0
    if t >= 1.0:
        return 1.0
    return t * t * (3.0 - 2.0 * t)


@njit(cache=True)
def smooth_phase(
    px: Array,
    py: Array,
    psi: Array,
    step: float,
    slit_start: Array,
    slit_dir: Array,
    slit_length: Array,
    slit_wrap: Array,
    pin: Array,
    band: float,
    fade: float,
) -> Array:  # pragma: no cover - compiled
    """Per point: psi_c (bilinear, nodes across a slit mirrored) minus the slit pinning."""
    rows, cols = psi.shape
    n = px.shape[0]
    out = np.empty(n)
    n_slits = slit_length.shape[0]
    for p in range(n):
        x = px[p]
        y = py[p]
        fx = (x + 0.5) / step - 0.5
        fy = (y + 0.5) / step - 0.5
        j0 = min(max(int(np.floor(fx)), 0), cols - 2)
        i0 = min(max(int(np.floor(fy)), 0), rows - 2)
        wx = min(max(fx - j0, 0.0), 1.0)
        wy = min(max(fy - i0, 0.0), 1.0)
        acc = 0.0
        for di in range(2):
            for dj in range(2):
                i = i0 + di
                j = j0 + dj
                value = psi[i, j]
                node_x = (j + 0.5) * step - 0.5
                node_y = (i + 0.5) * step - 0.5
                for k in range(n_slits):
                    ex = slit_start[k, 0] + slit_dir[k, 0] * slit_length[k]
                    ey = slit_start[k, 1] + slit_dir[k, 1] * slit_length[k]
                    if _crosses(x, y, node_x, node_y, slit_start[k, 0], slit_start[k, 1], ex, ey):
                        value = slit_wrap[k] - value
                w = (wx if dj == 1 else 1.0 - wx) * (wy if di == 1 else 1.0 - wy)
                acc += w * value
        for k in range(n_slits):
            rx = x - slit_start[k, 0]
            ry = y - slit_start[k, 1]
            t = rx * slit_dir[k, 0] + ry * slit_dir[k, 1]
            d = abs(-rx * slit_dir[k, 1] + ry * slit_dir[k, 0])
            if d >= band or t <= -fade or t >= slit_length[k] + fade:
                continue
            weight = _smooth(1.0 - d / band)
            if t < 0.0:
                weight *= _smooth(1.0 + t / fade)
            elif t > slit_length[k]:
                weight *= _smooth(1.0 - (t - slit_length[k]) / fade)
            pos = min(max(t + fade, 0.0), pin.shape[1] - 1.001)
            lo = int(pos)
            frac = pos - lo
            acc -= weight * ((1.0 - frac) * pin[k, lo] + frac * pin[k, lo + 1])
        out[p] = acc
    return out


@njit(cache=True)
def spiral_unit(
    px: Array, py: Array, skip: npt.NDArray[np.int64], mx: Array, my: Array, mp: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """Per point, (cos, sin) of the spiral phase sum(p_n * arg(z - z_n)), as a complex product.

    ``skip[i]`` is a spiral left out at point i (-1 for none), so that the phase a minutia sits
    in can be measured without its own spiral.
    """
    n = px.shape[0]
    cos_s = np.empty(n)
    sin_s = np.empty(n)
    n_min = mx.shape[0]
    for p in range(n):
        re = 1.0
        im = 0.0
        for m in range(n_min):
            if m == skip[p]:
                continue
            dx = px[p] - mx[m]
            dy = (py[p] - my[m]) * mp[m]
            re, im = re * dx - im * dy, re * dy + im * dx
            if (m & 7) == 7:
                mag = np.sqrt(re * re + im * im)
                if mag > 0.0:
                    re /= mag
                    im /= mag
        mag = np.sqrt(re * re + im * im)
        if mag > 0.0:
            cos_s[p] = re / mag
            sin_s[p] = im / mag
        else:
            cos_s[p] = 1.0
            sin_s[p] = 0.0
    return cos_s, sin_s


@dataclass(frozen=True, eq=False)
class SpiralSet:
    """Positions and polarities (+1/-1) of the spiral phase singularities."""

    x: Array
    y: Array
    polarity: Array


def slit_pinning(phase: ContinuousPhase, spirals: SpiralSet) -> Array:
    """The spiral phase sampled along each slit (1 px apart, unwrapped), from -fade to end+fade."""
    count = len(phase.slit_length)
    if count == 0:
        return np.zeros((0, 2))
    samples = int(np.ceil(float(phase.slit_length.max()) + 2 * SLIT_FADE)) + 2
    t = np.arange(samples, dtype=np.float64) - SLIT_FADE
    pin = np.zeros((count, samples))
    for k in range(count):
        sx = phase.slit_start[k, 0] + t * phase.slit_dir[k, 0]
        sy = phase.slit_start[k, 1] + t * phase.slit_dir[k, 1]
        angles = np.arctan2(sy[:, None] - spirals.y[None, :], sx[:, None] - spirals.x[None, :])
        along = np.unwrap((angles * spirals.polarity[None, :]).sum(axis=1))
        # any multiple of 2*pi will do: take the one that keeps the correction smallest
        pin[k] = along - 2 * np.pi * np.round(np.median(along) / (2 * np.pi))
    return pin


def phase_at(
    phase: ContinuousPhase,
    spirals: SpiralSet,
    pin: Array,
    px: Array,
    py: Array,
    skip: npt.NDArray[np.int64] | None = None,
) -> Array:
    """Total phase at points (mod 2*pi), optionally without one spiral per point."""
    px = np.ascontiguousarray(px, dtype=np.float64)
    py = np.ascontiguousarray(py, dtype=np.float64)
    if skip is None:
        skip = np.full(px.shape[0], -1, dtype=np.int64)
    smooth = _smooth_at(phase, pin, px, py)
    cos_s, sin_s = spiral_unit(px, py, skip, *_spiral_arrays(spirals))
    return np.asarray(smooth + np.arctan2(sin_s, cos_s), dtype=np.float64)


def _smooth_at(phase: ContinuousPhase, pin: Array, px: Array, py: Array) -> Array:
    return np.asarray(
        smooth_phase(
            px,
            py,
            phase.values,
            float(phase.step),
            phase.slit_start,
            phase.slit_dir,
            phase.slit_length,
            phase.slit_wrap,
            pin,
            SLIT_BAND,
            SLIT_FADE,
        ),
        dtype=np.float64,
    )


def _spiral_arrays(spirals: SpiralSet) -> tuple[Array, Array, Array]:
    return (
        np.ascontiguousarray(spirals.x, dtype=np.float64),
        np.ascontiguousarray(spirals.y, dtype=np.float64),
        np.ascontiguousarray(spirals.polarity, dtype=np.float64),
    )


def render_ridges(
    phase: ContinuousPhase, spirals: SpiralSet, pin: Array, height: int, width: int
) -> npt.NDArray[np.float32]:
    """``cos(psi)`` on the whole canvas.

    The spiral phase is smooth away from its singular points, so it is evaluated on a grid twice
    as coarse and interpolated as a unit complex number (cheap, and the windings survive).
    """
    ys, xs = np.mgrid[0:height, 0:width]
    smooth = _smooth_at(phase, pin, xs.ravel().astype(np.float64), ys.ravel().astype(np.float64))
    half_h, half_w = height // 2, width // 2
    hy, hx = np.mgrid[0:half_h, 0:half_w]
    cos_s, sin_s = spiral_unit(
        (2.0 * hx + 0.5).ravel(),
        (2.0 * hy + 0.5).ravel(),
        np.full(half_h * half_w, -1, dtype=np.int64),
        *_spiral_arrays(spirals),
    )
    size = (width, height)
    up_c = cv2.resize(
        cos_s.reshape(half_h, half_w).astype(np.float32), size, interpolation=cv2.INTER_LINEAR
    )
    up_s = cv2.resize(
        sin_s.reshape(half_h, half_w).astype(np.float32), size, interpolation=cv2.INTER_LINEAR
    )
    norm = np.sqrt(up_c * up_c + up_s * up_s) + np.float32(1e-6)
    smooth_img = smooth.reshape(height, width).astype(np.float32)
    ridges = (np.cos(smooth_img) * up_c - np.sin(smooth_img) * up_s) / norm
    return np.asarray(ridges, dtype=np.float32)
