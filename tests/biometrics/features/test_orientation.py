from __future__ import annotations

import math

import cv2
import numpy as np

from scomm.biometrics.features.orientation import OrientationEstimator, OrientationParams


def _by_numpy(image: np.ndarray, p: OrientationParams) -> tuple[np.ndarray, np.ndarray]:
    """The field as numpy and OpenCV compute it directly: Gaussian filters, float32 arctan2."""
    smoothed = cv2.GaussianBlur(image, (0, 0), p.gradient_sigma)
    gx = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1, ksize=3)
    gxx, gyy, gxy = (
        cv2.GaussianBlur(m, (0, 0), p.moment_sigma) for m in (gx * gx, gy * gy, gx * gy)
    )
    cos2, sin2, strength = gxx - gyy, 2.0 * gxy, gxx + gyy
    coherence = np.sqrt(cos2 * cos2 + sin2 * sin2) / np.maximum(strength, 1e-6)
    cos2 = cv2.GaussianBlur(cos2, (0, 0), p.field_sigma)
    sin2 = cv2.GaussianBlur(sin2, (0, 0), p.field_sigma)
    theta = (0.5 * np.arctan2(sin2, cos2) + np.pi / 2.0) % np.pi
    return theta.astype(np.float32), np.clip(coherence, 0.0, 1.0).astype(np.float32)


def test_the_field_is_numpys_to_an_ulp() -> None:
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[:160, :200].astype(np.float32)
    # ridges whose direction turns across the image, plus noise
    image = np.sin(0.7 * (xs * np.cos(ys / 60.0) + ys * np.sin(xs / 70.0)))
    image = (image + 0.3 * rng.normal(size=image.shape)).astype(np.float32)
    params = OrientationParams()
    field = OrientationEstimator(params).run(image)
    theta, coherence = _by_numpy(image, params)
    assert (field.coherence == coherence).all()
    turn = np.abs(field.theta - theta)
    turn = np.minimum(turn, math.pi - turn)
    # the field's smoothing goes through the DFT (float rounding apart, the same filter), and
    # where the smoothed field is weak its angle feels that rounding; a template stores
    # angles in steps of 2 pi / 65536 (9.6e-5)
    assert np.median(turn) <= 2.5e-7
    assert turn.max() < 2e-5
    assert ((field.theta >= 0) & (field.theta < math.pi)).all()


def test_ridge_direction_of_plain_stripes() -> None:
    ys, xs = np.mgrid[:120, :120].astype(np.float32)
    for angle in (0.0, math.pi / 6, math.pi / 2, 2.5):
        # ridges running at ``angle``: the grey level varies across them only
        across = -xs * math.sin(angle) + ys * math.cos(angle)
        stripes = np.cos(2 * math.pi * across / 9.0).astype(np.float32)
        field = OrientationEstimator().run(stripes)
        centre = float(field.theta[60, 60])
        assert abs((centre - angle + math.pi / 2) % math.pi - math.pi / 2) < 0.01
        assert field.coherence[40:80, 40:80].min() > 0.95
    flat = OrientationEstimator().run(np.zeros((50, 50), dtype=np.float32))
    assert (flat.theta == np.float32(math.pi / 2)).all() and (flat.coherence == 0).all()
