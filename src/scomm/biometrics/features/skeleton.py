"""Binarisation and thinning: the enhanced ridges reduced to one-pixel-wide lines.

Thinning is Zhang-Suen's two-subiteration algorithm over the foreground pixels only, compiled
with numba because it visits each ridge pixel a dozen times.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.components import labelled_components
from scomm.biometrics.features.params import StageParams

Binary = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class SkeletonParams(StageParams):
    smoothing: int = 3
    """Median filter (pixels) applied to the binary ridges before thinning; 0 disables it."""
    min_component: int = 12
    """Ridge fragments smaller than this many pixels are dropped before thinning."""


@compiled()
def _thin(binary: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    img = binary.copy()
    h, w = img.shape
    img[0, :] = 0
    img[h - 1, :] = 0
    img[:, 0] = 0
    img[:, w - 1] = 0
    ys, xs = np.nonzero(img)
    n = ys.size
    alive = np.ones(n, dtype=np.bool_)
    remove = np.zeros(n, dtype=np.bool_)
    changed = True
    while changed:
        changed = False
        for sub in range(2):
            for i in range(n):
                remove[i] = False
                if not alive[i]:
                    continue
                y, x = ys[i], xs[i]
                p2 = img[y - 1, x]
                p3 = img[y - 1, x + 1]
                p4 = img[y, x + 1]
                p5 = img[y + 1, x + 1]
                p6 = img[y + 1, x]
                p7 = img[y + 1, x - 1]
                p8 = img[y, x - 1]
                p9 = img[y - 1, x - 1]
                b = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9
                if b < 2 or b > 6:
                    continue
                a = (
                    (p2 == 0 and p3 == 1)
                    + (p3 == 0 and p4 == 1)
                    + (p4 == 0 and p5 == 1)
                    + (p5 == 0 and p6 == 1)
                    + (p6 == 0 and p7 == 1)
                    + (p7 == 0 and p8 == 1)
                    + (p8 == 0 and p9 == 1)
                    + (p9 == 0 and p2 == 1)
                )
                if a != 1:
                    continue
                if sub == 0:
                    if p2 * p4 * p6 != 0 or p4 * p6 * p8 != 0:
                        continue
                elif p2 * p4 * p8 != 0 or p2 * p6 * p8 != 0:
                    continue
                remove[i] = True
            for i in range(n):
                if remove[i]:
                    img[ys[i], xs[i]] = 0
                    alive[i] = False
                    changed = True
    return img


class Skeletonizer:
    """Enhanced image (ridges negative) -> binary ridges -> one-pixel skeleton, both 0/1 uint8."""

    def __init__(self, params: SkeletonParams | None = None) -> None:
        self.params = params or SkeletonParams()

    def binarize(self, enhanced: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_]) -> Binary:
        ridges = ((enhanced < 0) & mask).astype(np.uint8)
        if self.params.smoothing > 1:
            ridges = np.asarray(cv2.medianBlur(ridges, self.params.smoothing | 1), dtype=np.uint8)
        if self.params.min_component > 0:
            labels, areas = labelled_components(ridges)
            small = areas < self.params.min_component
            small[0] = False
            ridges[small[labels]] = 0
        return ridges

    def thin(self, ridges: Binary) -> Binary:
        return _thin(np.ascontiguousarray(ridges, dtype=np.uint8))
