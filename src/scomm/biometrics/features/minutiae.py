"""Minutiae detection on the skeleton: crossing number, ridge tracing, direction and type.

A skeleton pixel with one ridge run around it is a ridge ending, with three a bifurcation.
Each minutia's ridges are traced a short way: the traces give the sense of its direction (the
orientation field gives the precise angle) and tell the filter what the ridge ran into.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.params import StageParams

ENDING = 1
BIFURCATION = 3

# Trace outcomes.
RAN_ON = 0
HIT_ENDING = 1
HIT_JUNCTION = 3
STUCK = 4

_DY = np.array([-1, -1, 0, 1, 1, 1, 0, -1], dtype=np.int64)
_DX = np.array([0, 1, 1, 1, 0, -1, -1, -1], dtype=np.int64)


@dataclass(frozen=True)
class DetectionParams(StageParams):
    trace_length: int = 14
    """Pixels of ridge followed from each minutia (about 1.5 ridge periods)."""


@dataclass(frozen=True, eq=False)
class RawMinutiae:
    """Candidates straight from the skeleton, with what their ridges ran into."""

    y: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    theta: npt.NDArray[np.float64]
    kind: npt.NDArray[np.int64]
    hit_code: npt.NDArray[np.int64]
    hit_steps: npt.NDArray[np.int64]
    hit_y: npt.NDArray[np.int64]
    hit_x: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.y.size)


@compiled()
def crossing_numbers(skel: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Ridge runs around each skeleton pixel (0 elsewhere; image border counts as background)."""
    h, w = skel.shape
    out = np.zeros((h, w), dtype=np.int64)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if skel[y, x] == 0:
                continue
            runs = 0
            for k in range(8):
                a = skel[y + _DY[k], x + _DX[k]]
                b = skel[y + _DY[(k + 1) % 8], x + _DX[(k + 1) % 8]]
                if a == 0 and b == 1:
                    runs += 1
            out[y, x] = runs
    return out


@compiled()
def _run_members(skel: npt.NDArray[np.uint8], y: int, x: int) -> npt.NDArray[np.int64]:
    """Label each of the 8 neighbours with its run number (-1 for background)."""
    labels = np.full(8, -1, dtype=np.int64)
    start = -1
    for k in range(8):
        if skel[y + _DY[k], x + _DX[k]] == 0:
            start = k
            break
    if start < 0:
        labels[:] = 0
        return labels
    run = -1
    prev_on = False
    for i in range(1, 9):
        k = (start + i) % 8
        on = skel[y + _DY[k], x + _DX[k]] == 1
        if on:
            if not prev_on:
                run += 1
            labels[k] = run
        prev_on = on
    return labels


@compiled()
def _pick(labels: npt.NDArray[np.int64], run: int) -> int:
    """A neighbour of the given run, 4-connected ones first."""
    best = -1
    for k in range(8):
        if labels[k] == run:
            if k % 2 == 0:
                return k
            if best < 0:
                best = k
    return best


@compiled()
def _trace(
    skel: npt.NDArray[np.uint8],
    cn: npt.NDArray[np.int64],
    y: int,
    x: int,
    py: int,
    px: int,
    max_steps: int,
) -> tuple[int, int, int, int]:
    """Follow the ridge from (y, x), arrived from (py, px): (steps, outcome, last y, last x)."""
    h, w = skel.shape
    sy, sx = py, px
    steps = 1
    while True:
        c = cn[y, x]
        if c != 2:
            return steps, (HIT_ENDING if c == 1 else (HIT_JUNCTION if c >= 3 else STUCK)), y, x
        if steps >= max_steps:
            return steps, RAN_ON, y, x
        if y <= 1 or x <= 1 or y >= h - 2 or x >= w - 2:
            return steps, STUCK, y, x
        labels = _run_members(skel, y, x)
        came = -1
        for k in range(8):
            if y + _DY[k] == py and x + _DX[k] == px:
                came = k
        if came < 0:
            return steps, STUCK, y, x
        k = _pick(labels, 1 - labels[came])
        if k < 0:
            return steps, STUCK, y, x
        py, px = y, x
        y, x = y + _DY[k], x + _DX[k]
        if y == sy and x == sx:
            return steps, STUCK, y, x
        steps += 1


@compiled()
def _detect(
    skel: npt.NDArray[np.uint8], mask: npt.NDArray[np.bool_], max_steps: int
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]:
    h, w = skel.shape
    cn = crossing_numbers(skel)
    cap = 4096
    ys = np.empty(cap, dtype=np.int64)
    xs = np.empty(cap, dtype=np.int64)
    th = np.empty(cap, dtype=np.float64)
    kind = np.empty(cap, dtype=np.int64)
    code = np.empty(cap, dtype=np.int64)
    hsteps = np.empty(cap, dtype=np.int64)
    hy = np.empty(cap, dtype=np.int64)
    hx = np.empty(cap, dtype=np.int64)
    taken = np.zeros((h, w), dtype=np.bool_)
    n = 0
    angles = np.empty(3, dtype=np.float64)
    for y in range(2, h - 2):
        for x in range(2, w - 2):
            c = cn[y, x]
            if n >= cap or not mask[y, x] or (c != 1 and c != 3) or taken[y, x]:
                continue
            labels = _run_members(skel, y, x)
            if c == 1:
                k = _pick(labels, 0)
                steps, out, ey, ex = _trace(skel, cn, y + _DY[k], x + _DX[k], y, x, max_steps)
                # An ending points into its ridge.
                th[n] = math.atan2(ey - y, ex - x)
                code[n], hsteps[n], hy[n], hx[n] = out, steps, ey, ex
            else:
                best_steps, best_out, by, bx = max_steps + 1, RAN_ON, y, x
                for r in range(3):
                    k = _pick(labels, r)
                    steps, out, ey, ex = _trace(skel, cn, y + _DY[k], x + _DX[k], y, x, max_steps)
                    angles[r] = math.atan2(ey - y, ex - x)
                    if out != RAN_ON and out != STUCK and steps < best_steps:
                        best_steps, best_out, by, bx = steps, out, ey, ex
                # The stem is the branch farthest from the other two; the bifurcation points away.
                stem, widest = 0, -1.0
                for r in range(3):
                    gap = 0.0
                    for q in range(3):
                        if q != r:
                            d = abs(angles[r] - angles[q]) % (2 * math.pi)
                            gap += min(d, 2 * math.pi - d)
                    if gap > widest:
                        widest, stem = gap, r
                th[n] = angles[stem] + math.pi
                code[n], hsteps[n], hy[n], hx[n] = best_out, best_steps, by, bx
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        taken[y + dy, x + dx] = True
            ys[n], xs[n], kind[n] = y, x, c
            n += 1
    return ys[:n], xs[:n], th[:n], kind[:n], code[:n], hsteps[:n], hy[:n], hx[:n]


class MinutiaeDetector:
    def __init__(self, params: DetectionParams | None = None) -> None:
        self.params = params or DetectionParams()

    def run(
        self,
        skeleton: npt.NDArray[np.uint8],
        mask: npt.NDArray[np.bool_],
        orientation: npt.NDArray[np.float32],
    ) -> RawMinutiae:
        ys, xs, th, kind, code, steps, hy, hx = _detect(
            np.ascontiguousarray(skeleton), np.ascontiguousarray(mask), self.params.trace_length
        )
        # Precise angle from the orientation field, sense from the traced ridge.
        field = orientation[ys, xs].astype(np.float64)
        agree = np.cos(field - th) >= 0
        theta = np.where(agree, field, field + math.pi) % (2 * math.pi)
        return RawMinutiae(ys, xs, theta, kind, code, steps, hy, hx)
