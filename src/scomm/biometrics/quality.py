"""Image quality, 0..100, in the spirit of NFIQ: can this print be matched reliably?

Ingredients: how much finger there is (foreground area), how clearly ridges run in one
direction (orientation coherence), grey-level contrast, and how many reliable minutiae were
found. A blank or tiny image scores 0. Prints below ``UNUSABLE_BELOW`` should be retaken.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

UNUSABLE_BELOW = 20
FULL_AREA = 60_000
"""Foreground pixels (at 500 ppi) that count as a full impression: about 12 x 12 mm."""


def quality_score(
    pixels: npt.NDArray[np.uint8],
    mask: npt.NDArray[np.bool_],
    coherence: npt.NDArray[np.float32],
    reliability: npt.NDArray[np.float64],
) -> int:
    area = int(mask.sum())
    if area < 1000:
        return 0
    area_score = min(1.0, area / FULL_AREA)
    coherence_score = float(np.clip((float(coherence[mask].mean()) - 0.2) / 0.5, 0.0, 1.0))
    contrast_score = float(np.clip(float(pixels[mask].std()) / 40.0, 0.0, 1.0))
    count_score = min(1.0, reliability.size / 25.0)
    minutiae_score = count_score * (float(reliability.mean()) if reliability.size else 0.0)
    combined = (
        0.35 * coherence_score + 0.15 * contrast_score + 0.2 * area_score + 0.3 * minutiae_score
    )
    # Without a dominant ridge direction there is no print, whatever the other ingredients say
    # (noise has contrast, area and plenty of "minutiae").
    coherence_gate = min(1.0, coherence_score / 0.5)
    return round(100.0 * combined * min(1.0, 4.0 * area_score) * coherence_gate)


def is_usable(quality: int) -> bool:
    return quality >= UNUSABLE_BELOW
