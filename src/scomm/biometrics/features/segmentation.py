"""Foreground segmentation: where the finger is, from the local strength of the gradient.

Ridges produce strong, regular gradients; background and smudges do not. The mask keeps the
largest connected region, without holes, so later stages never see ragged borders.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.features.components import labelled_components
from scomm.biometrics.features.params import StageParams

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SegmentationParams(StageParams):
    window: int = 17
    """Side (pixels) of the box over which gradient energy is averaged; about two ridge periods."""
    relative_threshold: float = 0.25
    """Foreground where the local gradient energy exceeds this fraction of its 95th percentile."""
    closing: int = 15
    opening: int = 21


class Segmenter:
    """Computes a boolean foreground mask from a normalised (float) image."""

    def __init__(self, params: SegmentationParams | None = None) -> None:
        self.params = params or SegmentationParams()

    def run(self, image: FloatImage) -> Mask:
        p = self.params
        gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
        energy = cv2.blur(np.sqrt(gx * gx + gy * gy), (p.window, p.window))
        reference = float(np.percentile(energy, 95))
        if reference <= 1e-6:
            return np.zeros(image.shape, dtype=bool)
        raw = (energy > p.relative_threshold * reference).astype(np.uint8)
        close_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (p.closing, p.closing))
        open_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (p.opening, p.opening))
        raw = np.asarray(cv2.morphologyEx(raw, cv2.MORPH_CLOSE, close_k), dtype=np.uint8)
        raw = np.asarray(cv2.morphologyEx(raw, cv2.MORPH_OPEN, open_k), dtype=np.uint8)
        return _largest_filled_region(raw)


def _largest_filled_region(binary: npt.NDArray[np.uint8]) -> Mask:
    labels, areas = labelled_components(binary)
    if areas.size <= 1:
        return np.zeros(binary.shape, dtype=bool)
    largest = 1 + int(np.argmax(areas[1:]))
    region = (labels == largest).astype(np.uint8)
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(region)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return np.asarray(filled, dtype=bool)
