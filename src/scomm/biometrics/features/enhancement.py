"""Contextual enhancement: a bank of oriented Gabor filters tuned to the print's ridge period.

Each pixel takes the response of the filter aligned with its local ridge orientation, which
joins broken ridges and separates merged ones. Ridges come out negative, valleys positive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.features.params import StageParams

FloatImage = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EnhancementParams(StageParams):
    orientations: int = 16
    sigma_across: float = 0.45
    """Gaussian width across the ridges, as a fraction of the ridge period."""
    sigma_along: float = 0.55
    """Gaussian width along the ridges, as a fraction of the ridge period."""
    period_bins: int = 1
    """Filter banks tuned to this many periods around the median (1: the median only)."""
    period_spread: float = 0.15
    """Relative spacing of the banks' periods."""


def gabor_kernel(
    theta: float, period: float, sigma_across: float, sigma_along: float
) -> FloatImage:
    """Even-symmetric, zero-mean Gabor kernel for ridges running in direction ``theta``."""
    radius = math.ceil(3.0 * max(sigma_across, sigma_along))
    ys, xs = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(np.float32)
    along = xs * math.cos(theta) + ys * math.sin(theta)
    across = -xs * math.sin(theta) + ys * math.cos(theta)
    envelope = np.exp(-0.5 * ((across / sigma_across) ** 2 + (along / sigma_along) ** 2))
    kernel = envelope * np.cos(2.0 * math.pi * across / period)
    kernel -= kernel.mean()
    kernel /= np.abs(kernel).sum()
    return np.asarray(kernel, dtype=np.float32)


def filter_bank(image: FloatImage, kernels: list[FloatImage]) -> npt.NDArray[np.float32]:
    """Each (symmetric, odd-sized, equal-sized) kernel's response over ``image``, borders
    mirrored: what ``cv2.filter2D(..., BORDER_REFLECT)`` gives for each, but the image is
    transformed once and each kernel costs one forward and one inverse transform (about 3x
    faster for 16 kernels of 33 x 33 on a 400 x 400 print)."""
    h, w = image.shape
    r = kernels[0].shape[0] // 2
    padded = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT)
    rows = cv2.getOptimalDFTSize(padded.shape[0])
    cols = cv2.getOptimalDFTSize(padded.shape[1])
    canvas = np.zeros((rows, cols), dtype=np.float32)
    canvas[: padded.shape[0], : padded.shape[1]] = padded
    spectrum = cv2.dft(canvas, flags=cv2.DFT_REAL_OUTPUT)
    out = np.empty((len(kernels), h, w), dtype=np.float32)
    for i, kernel in enumerate(kernels):
        canvas[:] = 0.0
        canvas[: kernel.shape[0], : kernel.shape[1]] = kernel
        product = cv2.mulSpectrums(spectrum, cv2.dft(canvas, flags=cv2.DFT_REAL_OUTPUT), 0)
        response = cv2.dft(product, flags=cv2.DFT_INVERSE | cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
        # linear convolution: a pixel's response sits ``2 r`` after it (r for the padding, r
        # for the kernel's centre); the kernels are symmetric, so convolution is correlation
        out[i] = response[2 * r : 2 * r + h, 2 * r : 2 * r + w]
    return out


class GaborEnhancer:
    def __init__(self, params: EnhancementParams | None = None) -> None:
        self.params = params or EnhancementParams()

    def run(
        self,
        image: FloatImage,
        theta: FloatImage,
        period: float,
        mask: npt.NDArray[np.bool_],
        local_period: FloatImage | None = None,
    ) -> FloatImage:
        """``local_period``: per-pixel period (pixels), used when ``period_bins`` > 1."""
        p = self.params
        out = np.zeros(image.shape, dtype=np.float32)
        ys, xs = np.nonzero(mask)
        if ys.size == 0:
            return out
        n = p.orientations
        sa, sl = p.sigma_across * period, p.sigma_along * period
        margin = math.ceil(3.0 * max(sa, sl))
        y0, y1 = max(int(ys.min()) - margin, 0), min(int(ys.max()) + margin + 1, image.shape[0])
        x0, x1 = max(int(xs.min()) - margin, 0), min(int(xs.max()) + margin + 1, image.shape[1])
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        index = np.rint(theta[y0:y1, x0:x1] * (n / math.pi)).astype(np.int32) % n
        result = np.zeros(crop.shape, dtype=np.float32)
        bins = max(1, p.period_bins) if local_period is not None else 1
        offsets = np.arange(bins) - (bins - 1) / 2.0
        periods = period * (1.0 + p.period_spread * offsets)
        if bins > 1 and local_period is not None:
            which = np.abs(
                local_period[y0:y1, x0:x1, None] - periods[None, None, :].astype(np.float32)
            ).argmin(axis=2)
        else:
            which = np.zeros(crop.shape, dtype=np.int64)
        for b, band_period in enumerate(periods):
            in_band = which == b
            present = [k for k in range(n) if (in_band & (index == k)).any()]
            if not present:
                continue
            kernels = [
                gabor_kernel(
                    k * math.pi / n,
                    float(band_period),
                    p.sigma_across * band_period,
                    p.sigma_along * band_period,
                )
                for k in present
            ]
            for k, response in zip(present, filter_bank(crop, kernels), strict=True):
                selected = in_band & (index == k)
                result[selected] = response[selected]
        out[y0:y1, x0:x1] = result
        out[~mask] = 0.0
        return out
