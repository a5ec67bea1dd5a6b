"""Ridge frequency: the distance between ridges, measured block by block across the ridges.

For each foreground block the grey levels are averaged along the ridge direction and sampled
across it (the "x-signature"); twice the mean spacing of its mean crossings is the local ridge
period. The
image's median period then tunes the enhancement filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.params import StageParams

FloatImage = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FrequencyParams(StageParams):
    block: int = 16
    """Grid step (pixels) of the block centres."""
    length: int = 40
    """Samples across the ridges per signature."""
    width: int = 7
    """Half-width (pixels) averaged along the ridge for each sample."""
    min_period: float = 4.0
    max_period: float = 18.0
    default_period: float = 9.0
    """Used when too few blocks give a period: the typical spacing at 500 ppi."""


@dataclass(frozen=True, eq=False)
class RidgePeriod:
    blocks: npt.NDArray[np.float32]
    """Period (pixels) per grid block, NaN where it could not be measured."""
    median: float
    block_size: int


@compiled()
def _block_periods(
    image: npt.NDArray[np.float32],
    theta: npt.NDArray[np.float32],
    mask: npt.NDArray[np.bool_],
    step: int,
    length: int,
    width: int,
    min_period: float,
    max_period: float,
) -> npt.NDArray[np.float32]:
    h, w = image.shape
    rows, cols = h // step, w // step
    out = np.full((rows, cols), np.nan, dtype=np.float32)
    signature = np.empty(length, dtype=np.float32)
    for bi in range(rows):
        for bj in range(cols):
            cy = bi * step + step // 2
            cx = bj * step + step // 2
            if not mask[cy, cx]:
                continue
            t = theta[cy, cx]
            dx, dy = math.cos(t), math.sin(t)
            nx, ny = -dy, dx
            ok = True
            for k in range(length):
                off = k - length / 2.0
                acc = 0.0
                cnt = 0
                for m in range(-width, width + 1):
                    x = round(cx + off * nx + m * dx)
                    y = round(cy + off * ny + m * dy)
                    if 0 <= x < w and 0 <= y < h:
                        acc += image[y, x]
                        cnt += 1
                if cnt == 0:
                    ok = False
                    break
                signature[k] = acc / cnt
            if not ok:
                continue
            # Light smoothing, then the mean crossings: pores and noise inside a ridge do not
            # cross the mean, so they are not mistaken for extra ridges.
            mean = 0.0
            for k in range(length):
                mean += signature[k]
            mean /= length
            first = -1
            last = -1
            crossings = 0
            prev = (signature[0] + signature[1]) / 2.0 - mean
            for k in range(1, length - 1):
                cur = (signature[k - 1] + 2.0 * signature[k] + signature[k + 1]) / 4.0 - mean
                if (prev < 0.0) != (cur < 0.0):
                    if first < 0:
                        first = k
                    last = k
                    crossings += 1
                prev = cur
            if crossings >= 3:
                period = 2.0 * (last - first) / (crossings - 1)
                if min_period <= period <= max_period:
                    out[bi, bj] = period
    return out


class FrequencyEstimator:
    def __init__(self, params: FrequencyParams | None = None) -> None:
        self.params = params or FrequencyParams()

    def run(self, image: FloatImage, theta: FloatImage, mask: npt.NDArray[np.bool_]) -> RidgePeriod:
        p = self.params
        blocks = _block_periods(
            np.ascontiguousarray(image, dtype=np.float32),
            np.ascontiguousarray(theta, dtype=np.float32),
            np.ascontiguousarray(mask),
            p.block,
            p.length,
            p.width,
            p.min_period,
            p.max_period,
        )
        valid = blocks[np.isfinite(blocks)]
        median = float(np.median(valid)) if valid.size >= 8 else p.default_period
        return RidgePeriod(blocks, median, p.block)


def period_image(period: RidgePeriod, shape: tuple[int, int]) -> FloatImage:
    """Per-pixel ridge period: blocks without a measure take the median, then smoothed."""
    blocks = np.where(np.isfinite(period.blocks), period.blocks, period.median).astype(np.float32)
    if blocks.size == 0:
        return np.full(shape, period.median, dtype=np.float32)
    blocks = np.asarray(cv2.medianBlur(blocks, 3), dtype=np.float32)
    blocks = np.asarray(cv2.GaussianBlur(blocks, (0, 0), 1.5), dtype=np.float32)
    return np.asarray(
        cv2.resize(blocks, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR), dtype=np.float32
    )
