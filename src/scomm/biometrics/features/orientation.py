"""Ridge orientation field and its coherence, from smoothed gradient moments.

Orientations are averaged as doubled angles (a ridge at 0 and at pi is the same ridge); the
coherence (0..1) says how much one direction dominates, and feeds quality and reliability.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.features.params import StageParams

FloatImage = npt.NDArray[np.float32]


@dataclass(frozen=True)
class OrientationParams(StageParams):
    gradient_sigma: float = 1.0
    moment_sigma: float = 6.0
    """Gaussian over which gradient moments are summed: the local estimate."""
    field_sigma: float = 12.0
    """Second, wider smoothing of the doubled-angle field, to bridge noise and creases."""


@dataclass(frozen=True, eq=False)
class OrientationField:
    theta: FloatImage
    """Ridge direction per pixel, radians in [0, pi)."""
    coherence: FloatImage
    """0 (isotropic noise) .. 1 (perfectly parallel ridges)."""


class OrientationEstimator:
    def __init__(self, params: OrientationParams | None = None) -> None:
        self.params = params or OrientationParams()

    def run(self, image: FloatImage) -> OrientationField:
        p = self.params
        smoothed = cv2.GaussianBlur(image, (0, 0), p.gradient_sigma)
        gx = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1, ksize=3)
        gxx = cv2.GaussianBlur(gx * gx, (0, 0), p.moment_sigma)
        gyy = cv2.GaussianBlur(gy * gy, (0, 0), p.moment_sigma)
        gxy = cv2.GaussianBlur(gx * gy, (0, 0), p.moment_sigma)
        cos2 = gxx - gyy
        sin2 = 2.0 * gxy
        strength = gxx + gyy
        coherence = np.sqrt(cos2 * cos2 + sin2 * sin2) / np.maximum(strength, 1e-6)
        cos2 = np.asarray(cv2.GaussianBlur(cos2, (0, 0), p.field_sigma), dtype=np.float32)
        sin2 = np.asarray(cv2.GaussianBlur(sin2, (0, 0), p.field_sigma), dtype=np.float32)
        # Gradient direction is normal to the ridge: rotate by a quarter turn.
        theta = (0.5 * np.arctan2(sin2, cos2) + np.pi / 2.0) % np.pi
        return OrientationField(
            theta.astype(np.float32), np.clip(coherence, 0.0, 1.0).astype(np.float32)
        )
