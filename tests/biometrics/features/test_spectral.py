from __future__ import annotations

import cv2
import numpy as np
import pytest

from scomm.biometrics.features.spectral import gaussian_blur


@pytest.mark.parametrize(
    ("shape", "sigma"), [((400, 400), 12.0), ((123, 301), 6.0), ((90, 70), 2.5), ((30, 200), 12.0)]
)
def test_gaussian_blur_is_opencvs(shape: tuple[int, int], sigma: float) -> None:
    rng = np.random.default_rng(shape[0])
    ys, xs = np.mgrid[: shape[0], : shape[1]]
    # a ramp (the mirrored borders show) plus noise
    image = (0.05 * xs - 0.02 * ys + rng.normal(size=shape)).astype(np.float32)
    expected = cv2.GaussianBlur(image, (0, 0), sigma)
    result = gaussian_blur(image, sigma)
    assert result.shape == shape and result.dtype == np.float32
    assert np.abs(result - expected).max() <= 1e-5 * np.abs(expected).max()
