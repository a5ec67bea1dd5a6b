"""Rendering the master's ridges: continuous phase plus spiral phase, pixel by pixel.

``psi_s``, the spiral phase, is a sum of ``+-arg(z - z_n)``: each term makes exactly one
minutia at ``z_n``, which is why the minutiae are known exactly. Along a slit the spiral phase
must vanish (mod 2*pi) for the fold to stay seamless, so a smooth copy of it, fading away from
the slit, is subtracted there. The per-pixel work (bilinear phase with folds, the spiral
product, the slit correction) is numba; everything else is numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.synthetic.phase import ContinuousPhase

Array = npt.NDArray[np.float64]

#: half-width of the band around a slit where the spiral phase is pinned to zero (pixels)
SLIT_BAND = 18.0
#: how far beyond a slit's ends the pinning fades out (pixels)
SLIT_FADE = 22.0


@compiled()
def _crosses(
    ax: float, ay: float, bx: float, by: float, sx: float, sy: float, ex: float, ey: float
) -> bool:  # pragma: no cover - compiled
    d1 = (ex - sx) * (ay - sy) - (ey - sy) * (ax - sx)
    d2 = (ex - sx) * (by - sy) - (ey - sy) * (bx - sx)
    d3 = (bx - ax) * (sy - ay) - (by - ay) * (sx - ax)
    d4 = (bx - ax) * (ey - ay) - (by - ay) * (ex - ax)
    return d1 * d2 < 0.0 and d3 * d4 < 0.0


@compiled()
def _smooth(t: float) -> float:  # pragma: no cover - compiled
    if t <= 0.0:
        return 0.0
    if t >= 1.0:
        return 1.0
    return t * t * (3.0 - 2.0 * t)


def _slit_geometry(phase: ContinuousPhase) -> tuple[Array, Array]:
    """Each slit's end point and its bounding box a pixel wider (x0, x1, y0, y1), in numpy
    (one compiled function fewer to build on a first run)."""
    start, direction, length = phase.slit_start, phase.slit_dir, phase.slit_length
    end = start + direction * length[:, None]
    box = np.stack(
        [
            np.minimum(start[:, 0], end[:, 0]) - 1.0,
            np.maximum(start[:, 0], end[:, 0]) + 1.0,
            np.minimum(start[:, 1], end[:, 1]) - 1.0,
            np.maximum(start[:, 1], end[:, 1]) + 1.0,
        ],
        axis=1,
    ).reshape(-1, 4)
    return np.ascontiguousarray(end.reshape(-1, 2)), np.ascontiguousarray(box)


@compiled()
def _slit_frame(
    x: float, y: float, k: int, slit_start: Array, slit_dir: Array
) -> tuple[float, float]:  # pragma: no cover - compiled
    """A point's distance along slit ``k`` from its start, and its distance across it."""
    rx = x - slit_start[k, 0]
    ry = y - slit_start[k, 1]
    return rx * slit_dir[k, 0] + ry * slit_dir[k, 1], abs(
        -rx * slit_dir[k, 1] + ry * slit_dir[k, 0]
    )


@compiled()
def _pin_term(
    t: float, d: float, k: int, slit_length: Array, pin: Array, band: float, fade: float
) -> float:  # pragma: no cover - compiled
    """What slit ``k`` subtracts at (``t``, ``d``) inside its band: the spiral phase sampled
    along it, faded out across it and beyond its ends."""
    weight = _smooth(1.0 - d / band)
    if t < 0.0:
        weight *= _smooth(1.0 + t / fade)
    elif t > slit_length[k]:
        weight *= _smooth(1.0 - (t - slit_length[k]) / fade)
    pos = min(max(t + fade, 0.0), pin.shape[1] - 1.001)
    lo = int(pos)
    frac = pos - lo
    term: float = weight * ((1.0 - frac) * pin[k, lo] + frac * pin[k, lo + 1])
    return term


@compiled()
def _pinned(
    acc: float,
    x: float,
    y: float,
    slit_start: Array,
    slit_dir: Array,
    slit_length: Array,
    pin: Array,
    band: float,
    fade: float,
) -> float:  # pragma: no cover - compiled
    """``acc`` less the smooth copy of the spiral phase near each slit, slit by slit."""
    for k in range(slit_length.shape[0]):
        t, d = _slit_frame(x, y, k, slit_start, slit_dir)
        if not (d >= band or t <= -fade or t >= slit_length[k] + fade):
            acc -= _pin_term(t, d, k, slit_length, pin, band, fade)
    return acc


@compiled()
def _smooth_point(
    x: float,
    y: float,
    psi: Array,
    step: float,
    slit_start: Array,
    slit_dir: Array,
    slit_length: Array,
    slit_wrap: Array,
    slit_end: Array,
    slit_box: Array,
    pin: Array,
    band: float,
    fade: float,
) -> float:  # pragma: no cover - compiled
    """psi_c at one point (bilinear, nodes across a slit mirrored) minus the slit pinning.

    A slit can only lie between the point and a node when it comes near the box around the
    point and its four nodes, so the crossing tests are made only for points with a slit's
    bounding box within a pixel of theirs (most points have none)."""
    rows, cols = psi.shape
    n_slits = slit_length.shape[0]
    fx = (x + 0.5) / step - 0.5
    fy = (y + 0.5) / step - 0.5
    j0 = min(max(int(np.floor(fx)), 0), cols - 2)
    i0 = min(max(int(np.floor(fy)), 0), rows - 2)
    wx = min(max(fx - j0, 0.0), 1.0)
    wy = min(max(fy - i0, 0.0), 1.0)
    near = False
    for k in range(n_slits):
        near |= (
            slit_box[k, 0] <= max(x, (j0 + 1.5) * step - 0.5)
            and slit_box[k, 1] >= min(x, (j0 + 0.5) * step - 0.5)
            and slit_box[k, 2] <= max(y, (i0 + 1.5) * step - 0.5)
            and slit_box[k, 3] >= min(y, (i0 + 0.5) * step - 0.5)
        )
    acc = 0.0
    for di in range(2):
        for dj in range(2):
            i = i0 + di
            j = j0 + dj
            value = psi[i, j]
            node_x = (j + 0.5) * step - 0.5
            node_y = (i + 0.5) * step - 0.5
            for k in range(n_slits if near else 0):
                sx, sy = slit_start[k, 0], slit_start[k, 1]
                if _crosses(x, y, node_x, node_y, sx, sy, slit_end[k, 0], slit_end[k, 1]):
                    value = slit_wrap[k] - value
            w = (wx if dj == 1 else 1.0 - wx) * (wy if di == 1 else 1.0 - wy)
            acc += w * value
    return _pinned(acc, x, y, slit_start, slit_dir, slit_length, pin, band, fade)


@compiled()
def smooth_phase(
    px: Array,
    py: Array,
    psi: Array,
    step: float,
    slit_start: Array,
    slit_dir: Array,
    slit_length: Array,
    slit_wrap: Array,
    slit_end: Array,
    slit_box: Array,
    pin: Array,
    band: float,
    fade: float,
) -> Array:  # pragma: no cover - compiled
    """Per point: psi_c (bilinear, nodes across a slit mirrored) minus the slit pinning."""
    out = np.empty(px.shape[0])
    for p in range(px.shape[0]):
        out[p] = _smooth_point(
            px[p], py[p], psi, step, slit_start, slit_dir, slit_length, slit_wrap,
            slit_end, slit_box, pin, band, fade,
        )  # fmt: skip
    return out


@compiled()
def smooth_phase_image(
    skin: npt.NDArray[np.bool_],
    psi: Array,
    step: float,
    slit_start: Array,
    slit_dir: Array,
    slit_length: Array,
    slit_wrap: Array,
    slit_end: Array,
    slit_box: Array,
    pin: Array,
    band: float,
    fade: float,
    column_cells: tuple[npt.NDArray[np.int64], Array, npt.NDArray[np.bool_]],
    row_cells: tuple[npt.NDArray[np.int64], Array, npt.NDArray[np.bool_]],
) -> npt.NDArray[np.float32]:  # pragma: no cover - compiled
    """:func:`smooth_phase` at every ``skin`` pixel, as float32 (0 elsewhere).

    The same values by the same steps, without the skin pixels' coordinate arrays: a pixel's
    grid cell and weights depend on its column or its row alone, so they are found once per
    column and row, and the four-node sum skips the crossing tests where no slit comes near
    (as :func:`_smooth_point` does); ``column_cells`` and ``row_cells`` are :func:`_axis_cells`."""
    height, width = skin.shape
    n_slits = slit_length.shape[0]
    col_j0, col_w, col_near = column_cells
    row_i0, row_w, row_near = row_cells
    out = np.zeros((height, width), dtype=np.float32)
    for y in range(height):
        i0 = row_i0[y]
        wy = row_w[y]
        for x in range(width):
            if not skin[y, x]:
                continue
            near = False
            for k in range(n_slits):
                near |= col_near[k, x] and row_near[k, y]
            if near:
                out[y, x] = np.float32(
                    _smooth_point(
                        float(x), float(y), psi, step, slit_start, slit_dir, slit_length,
                        slit_wrap, slit_end, slit_box, pin, band, fade,
                    )
                )  # fmt: skip
                continue
            j0 = col_j0[x]
            wx = col_w[x]
            acc = 0.0
            acc += ((1.0 - wx) * (1.0 - wy)) * psi[i0, j0]
            acc += (wx * (1.0 - wy)) * psi[i0, j0 + 1]
            acc += ((1.0 - wx) * wy) * psi[i0 + 1, j0]
            acc += (wx * wy) * psi[i0 + 1, j0 + 1]
            for k in range(n_slits):  # _pinned, written out: a call per pixel cost 25 ns
                t, d = _slit_frame(float(x), float(y), k, slit_start, slit_dir)
                if not (d >= band or t <= -fade or t >= slit_length[k] + fade):
                    acc -= _pin_term(t, d, k, slit_length, pin, band, fade)
            out[y, x] = np.float32(acc)
    return out


def _axis_cells(
    size: int, step: float, nodes: int, box_low: Array, box_high: Array
) -> tuple[npt.NDArray[np.int64], Array, npt.NDArray[np.bool_]]:
    """Along one axis, per pixel: the first grid node, the weight of the next one, and per
    slit whether its box (``box_low`` .. ``box_high``) meets the span of pixel and nodes (the
    steps :func:`_smooth_point` takes, elementwise)."""
    pixel = np.arange(size)
    f = (pixel + 0.5) / step - 0.5
    first = np.clip(np.floor(f).astype(np.int64), 0, nodes - 2)
    weight = np.clip(f - first, 0.0, 1.0)
    high = np.maximum(pixel.astype(np.float64), (first + 1.5) * step - 0.5)
    low = np.minimum(pixel.astype(np.float64), (first + 0.5) * step - 0.5)
    near = (box_low[:, None] <= high[None, :]) & (box_high[:, None] >= low[None, :])
    return first, np.asarray(weight, dtype=np.float64), np.ascontiguousarray(near)


#: points whose products are carried along together in :func:`spiral_unit`
SPIRAL_BLOCK = 32


@compiled()
def _spiral_step(
    px: Array,
    py: Array,
    skip: npt.NDArray[np.int64],
    start: int,
    width: int,
    m: int,
    sx: float,
    sy: float,
    polarity: float,
    re: Array,
    im: Array,
) -> None:  # pragma: no cover - compiled
    """Spiral ``m``'s factor into the products of points ``start`` .. ``start + width``, with
    the skips and, every eighth spiral, the renormalisation."""
    renormalise = (m & 7) == 7
    for b in range(width):
        p = start + b
        if m == skip[p]:
            continue
        dx = px[p] - sx
        dy = (py[p] - sy) * polarity
        r, i = re[b], im[b]
        r, i = r * dx - i * dy, r * dy + i * dx
        if renormalise:
            mag = np.sqrt(r * r + i * i)
            if mag > 0.0:
                r /= mag
                i /= mag
        re[b] = r
        im[b] = i


@compiled()
def spiral_unit(
    px: Array, py: Array, skip: npt.NDArray[np.int64], mx: Array, my: Array, mp: Array
) -> tuple[Array, Array]:  # pragma: no cover - compiled
    """Per point, (cos, sin) of the spiral phase sum(p_n * arg(z - z_n)), as a complex product.

    ``skip[i]`` is a spiral left out at point i (-1 for none), so that the phase a minutia sits
    in can be measured without its own spiral. Each point's product takes the same steps in
    the same order as a point-by-point loop; the points go ``SPIRAL_BLOCK`` at a time, spiral
    by spiral, so that the processor works on independent products instead of waiting for each
    multiplication of one product in turn.
    """
    n = px.shape[0]
    cos_s = np.empty(n)
    sin_s = np.empty(n)
    n_min = mx.shape[0]
    re = np.empty(SPIRAL_BLOCK)
    im = np.empty(SPIRAL_BLOCK)
    for start in range(0, n, SPIRAL_BLOCK):
        width = min(SPIRAL_BLOCK, n - start)
        re[:] = 1.0
        im[:] = 0.0
        skips = False
        for b in range(width):
            skips |= 0 <= skip[start + b] < n_min
        for m in range(n_min):
            sx, sy, polarity = mx[m], my[m], mp[m]
            if skips or (m & 7) == 7:
                _spiral_step(px, py, skip, start, width, m, sx, sy, polarity, re, im)
                continue
            for b in range(width):  # the common step, with nothing to test: vectorised
                dx = px[start + b] - sx
                dy = (py[start + b] - sy) * polarity
                r, i = re[b], im[b]
                re[b] = r * dx - i * dy
                im[b] = r * dy + i * dx
        for b in range(width):
            r, i = re[b], im[b]
            mag = np.sqrt(r * r + i * i)
            if mag > 0.0:
                cos_s[start + b] = r / mag
                sin_s[start + b] = i / mag
            else:
                cos_s[start + b] = 1.0
                sin_s[start + b] = 0.0
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
    slit_end, slit_box = _slit_geometry(phase)
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
            slit_end,
            slit_box,
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
    phase: ContinuousPhase,
    spirals: SpiralSet,
    pin: Array,
    skin: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float32]:
    """``cos(psi)`` where ``skin`` is true (0 elsewhere: no finger, nothing to print).

    The spiral phase is smooth away from its singular points, so it is evaluated on a grid twice
    as coarse and interpolated as a unit complex number (cheap, and the windings survive).
    """
    height, width = skin.shape
    skin = np.ascontiguousarray(skin, dtype=np.bool_)
    step = float(phase.step)
    rows, cols = phase.values.shape
    slit_end, box = _slit_geometry(phase)
    smooth_img = smooth_phase_image(
        skin,
        phase.values,
        step,
        phase.slit_start,
        phase.slit_dir,
        phase.slit_length,
        phase.slit_wrap,
        slit_end,
        box,
        pin,
        SLIT_BAND,
        SLIT_FADE,
        _axis_cells(width, step, cols, box[:, 0], box[:, 1]),
        _axis_cells(height, step, rows, box[:, 2], box[:, 3]),
    )
    half_h, half_w = height // 2, width // 2
    # only the coarse nodes that the interpolation reads for some skin pixel (those within two
    # nodes of a node over skin); the others stay (1, 0) and are never read
    quads = skin[: 2 * half_h, : 2 * half_w]
    over_skin = (quads[0::2, 0::2] | quads[0::2, 1::2]) | (quads[1::2, 0::2] | quads[1::2, 1::2])
    needed = cv2.dilate(over_skin.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    hy, hx = np.nonzero(needed)
    cos_n, sin_n = spiral_unit(
        (2.0 * hx + 0.5).astype(np.float64),
        (2.0 * hy + 0.5).astype(np.float64),
        np.full(hx.size, -1, dtype=np.int64),
        *_spiral_arrays(spirals),
    )
    cos_s = np.ones((half_h, half_w), dtype=np.float32)
    sin_s = np.zeros((half_h, half_w), dtype=np.float32)
    cos_s[needed] = cos_n
    sin_s[needed] = sin_n
    size = (width, height)
    up_c = np.asarray(cv2.resize(cos_s, size, interpolation=cv2.INTER_LINEAR), dtype=np.float32)
    up_s = np.asarray(cv2.resize(sin_s, size, interpolation=cv2.INTER_LINEAR), dtype=np.float32)
    return _rotate_unit(np.cos(smooth_img), np.sin(smooth_img), up_c, up_s, skin)


@compiled()
def _rotate_unit(
    cos_c: npt.NDArray[np.float32],
    sin_c: npt.NDArray[np.float32],
    up_c: npt.NDArray[np.float32],
    up_s: npt.NDArray[np.float32],
    skin: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float32]:  # pragma: no cover - compiled
    """``(cos_c * up_c - sin_c * up_s) / (|up| + 1e-6)`` on skin, 0 elsewhere: numpy's float32
    steps in numpy's order, in one pass instead of seven temporary images."""
    height, width = skin.shape
    out = np.zeros((height, width), dtype=np.float32)
    tiny = np.float32(1e-6)
    for y in range(height):
        for x in range(width):
            if skin[y, x]:
                c = up_c[y, x]
                s = up_s[y, x]
                norm = np.float32(np.sqrt(np.float32(c * c) + np.float32(s * s))) + tiny
                out[y, x] = np.float32(cos_c[y, x] * c - sin_c[y, x] * s) / norm
    return out
