"""Ridge orientation field and its coherence, from smoothed gradient moments.

Orientations are averaged as doubled angles (a ridge at 0 and at pi is the same ridge); the
coherence (0..1) says how much one direction dominates, and feeds quality and reliability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.params import StageParams
from scomm.biometrics.features.spectral import gaussian_blur

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
        coherence = _coherence(cos2, sin2, strength)
        cos2 = gaussian_blur(cos2, p.field_sigma)
        sin2 = gaussian_blur(sin2, p.field_sigma)
        return OrientationField(_ridge_direction(cos2, sin2), coherence)


_ATAN_SERIES = tuple((-1.0) ** k / (2 * k + 1) for k in range(11, -1, -1))
"""atan(u) = u * sum(c_k u ** 2k) for |u| <= tan(pi / 8), to u ** 23: error below 1e-11."""


@compiled(error_model="numpy")
def _coherence(cos2: FloatImage, sin2: FloatImage, strength: FloatImage) -> FloatImage:
    """Length of the mean doubled-angle gradient over the mean squared gradient, in 0..1."""
    out = np.empty(cos2.shape, dtype=np.float32)
    h, w = cos2.shape
    floor = np.float32(1e-6)
    for y in range(h):
        for x in range(w):
            c, s = cos2[y, x], sin2[y, x]
            value = np.sqrt(c * c + s * s) / max(strength[y, x], floor)
            out[y, x] = min(max(value, np.float32(0.0)), np.float32(1.0))
    return out


# no zero-division checks: vectorised
@compiled(error_model="numpy")
def _ridge_direction(cos2: FloatImage, sin2: FloatImage) -> FloatImage:
    """Ridge direction in [0, pi) from the doubled-angle gradient field: half its angle, turned
    a quarter (the gradient is normal to the ridge).

    The angle is ``atan2`` computed in float64 by a reduction and a series that the compiler
    vectorises, then rounded to float32 (it equalled float64 ``arctan2`` rounded to float32 in
    all but one of 160,000 random pairs). numpy's float32 ``arctan2`` (the C library's, not
    correctly rounded) differs from it by one ulp at 5-16 % of pixels; this costs a tenth of
    numpy's ``(0.5 * arctan2(sin2, cos2) + pi / 2) % pi`` (1.3 against 12 CPU-ms at 640 x 480)."""
    out = np.empty(cos2.shape, dtype=np.float32)
    h, w = cos2.shape
    for y in range(h):
        for x in range(w):
            out[y, x] = _half_turned(_atan2(np.float64(sin2[y, x]), np.float64(cos2[y, x])))
    return out


@compiled(inline="always")
def _half_turned(angle: float) -> np.float32:
    # as numpy's float32 (0.5 * angle + pi / 2) % pi: the halving and the subtraction of pi
    # are exact, so this is that expression's value
    value = np.float32(0.5) * np.float32(angle) + np.float32(math.pi / 2.0)
    return value - np.float32(math.pi) if value >= np.float32(math.pi) else value


@compiled(inline="always", error_model="numpy")
def _atan2(y: float, x: float) -> float:
    ax, ay = abs(x), abs(y)
    t = min(ax, ay) / max(max(ax, ay), 1e-300)  # in [0, 1]
    reduced = t > 0.41421356237309503  # tan(pi / 8): atan(t) = pi / 4 + atan((t - 1) / (t + 1))
    u = (t - 1.0) / (t + 1.0) if reduced else t
    z = u * u
    p = 0.0
    for coefficient in _ATAN_SERIES:
        p = p * z + coefficient
    angle = p * u + (math.pi / 4.0 if reduced else 0.0)
    angle = math.pi / 2.0 - angle if ay > ax else angle
    angle = math.pi - angle if x < 0.0 else angle
    return -angle if y < 0.0 else angle
