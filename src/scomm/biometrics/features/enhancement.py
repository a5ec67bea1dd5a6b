"""Contextual enhancement: a bank of oriented Gabor filters tuned to the print's ridge period.

Each pixel takes the response of the filter aligned with its local ridge orientation, which
joins broken ridges and separates merged ones. Ridges come out negative, valleys positive.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.params import StageParams
from scomm.biometrics.features.spectral import shifted_spectrum

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


TILE = 64
"""Side of the tiles the bank is applied in: a 64 x 64 tile holds a few ridge directions, so
each tile needs only a few of the bank's filters."""


@functools.lru_cache(maxsize=64)
def bank_kernels(
    orientations: int, period: float, sigma_across: float, sigma_along: float
) -> tuple[FloatImage, ...]:
    """The bank's kernels, kernel ``k`` for ridges at ``k * pi / orientations``; ridge periods
    repeat between prints, so a few recent banks are kept (read-only, as they are shared)."""
    kernels = tuple(
        gabor_kernel(k * math.pi / orientations, period, sigma_across, sigma_along)
        for k in range(orientations)
    )
    for kernel in kernels:
        kernel.setflags(write=False)
    return kernels


def oriented_filter(
    image: FloatImage,
    choice: npt.NDArray[np.int32],
    wanted: npt.NDArray[np.bool_],
    kernels: Sequence[FloatImage],
) -> FloatImage:
    """At each ``wanted`` pixel, the response of kernel ``choice[y, x]`` there (0 elsewhere),
    borders mirrored: what ``cv2.filter2D(image, -1, kernels[k], borderType=BORDER_REFLECT)``
    gives, to float rounding.

    The kernels are symmetric, odd-sized and of one size. The image is filtered tile by tile
    through the DFT; a tile costs one forward transform and, per kernel chosen in it, a
    product and an inverse transform (a 64 x 64 tile of a print needs a few of 16 kernels,
    where filtering the whole print needed all of them at four times a tile's cost each)."""
    h, w = image.shape
    r = kernels[0].shape[0] // 2
    padded = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT)
    rows = cv2.getOptimalDFTSize(min(TILE, h) + 2 * r)
    cols = cv2.getOptimalDFTSize(min(TILE, w) + 2 * r)
    spectra: dict[int, FloatImage] = {}
    canvas = np.zeros((rows, cols), dtype=np.float32)
    out = np.zeros((h, w), dtype=np.float32)
    responses = np.empty((len(kernels), min(TILE, h), min(TILE, w)), dtype=np.float32)
    slots = np.zeros(len(kernels), dtype=np.intp)
    for y in range(0, h, TILE):
        for x in range(0, w, TILE):
            here = wanted[y : y + TILE, x : x + TILE]
            which = choice[y : y + TILE, x : x + TILE]
            chosen = np.flatnonzero(_used(which, here, len(kernels)))
            if chosen.size == 0:
                continue
            th, tw = here.shape
            canvas[:] = 0.0
            canvas[: th + 2 * r, : tw + 2 * r] = padded[y : y + th + 2 * r, x : x + tw + 2 * r]
            spectrum = cv2.dft(canvas, flags=cv2.DFT_REAL_OUTPUT)
            for slot, k in enumerate(chosen.tolist()):
                kernel_spectrum = spectra.get(k)
                if kernel_spectrum is None:
                    spectra[k] = kernel_spectrum = kernel_spectrum_of(kernels, k, rows, cols)
                product = cv2.mulSpectrums(spectrum, kernel_spectrum, 0)
                response = cv2.dft(
                    product,
                    flags=cv2.DFT_INVERSE | cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT,
                    nonzeroRows=th,
                )
                responses[slot, :th, :tw] = response[:th, :tw]
            slots[chosen] = np.arange(chosen.size)
            _pick(out[y : y + th, x : x + tw], responses, slots, which, here)
    return out


KEPT_BANKS = 64
_BANK_SPECTRA: dict[int, tuple[Sequence[FloatImage], dict[tuple[int, int, int], FloatImage]]] = {}
"""Kernel spectra of the banks ``bank_kernels`` keeps, by the bank's ``id`` (the entry holds
the bank, so the id stays its own): a print whose ridge period an earlier print had reuses
them instead of transforming up to 16 kernels again."""


def kernel_spectrum_of(kernels: Sequence[FloatImage], k: int, rows: int, cols: int) -> FloatImage:
    """``shifted_spectrum(kernels[k], rows, cols)``, kept for a bank of read-only kernels in a
    tuple (what ``bank_kernels`` gives: nothing can change it)."""
    if not isinstance(kernels, tuple) or any(kernel.flags.writeable for kernel in kernels):
        return shifted_spectrum(kernels[k], rows, cols)
    entry = _BANK_SPECTRA.get(id(kernels))
    if entry is None or entry[0] is not kernels:
        while len(_BANK_SPECTRA) >= KEPT_BANKS:
            del _BANK_SPECTRA[next(iter(_BANK_SPECTRA))]
        entry = _BANK_SPECTRA[id(kernels)] = (kernels, {})
    spectrum = entry[1].get((k, rows, cols))
    if spectrum is None:
        spectrum = entry[1][(k, rows, cols)] = shifted_spectrum(kernels[k], rows, cols)
        spectrum.setflags(write=False)
    return spectrum


@compiled()
def _used(
    choice: npt.NDArray[np.int32], wanted: npt.NDArray[np.bool_], count: int
) -> npt.NDArray[np.bool_]:
    """Which of ``count`` choices some wanted pixel makes."""
    used = np.zeros(count, dtype=np.bool_)
    h, w = choice.shape
    for y in range(h):
        for x in range(w):
            if wanted[y, x]:
                used[choice[y, x]] = True
    return used


@compiled()
def _pick(
    target: FloatImage,
    responses: npt.NDArray[np.float32],
    slots: npt.NDArray[np.intp],
    choice: npt.NDArray[np.int32],
    wanted: npt.NDArray[np.bool_],
) -> None:
    """``target`` takes, at each wanted pixel, the response in the slot of its choice."""
    h, w = target.shape
    for y in range(h):
        for x in range(w):
            if wanted[y, x]:
                target[y, x] = responses[slots[choice[y, x]], y, x]


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
        rows = np.flatnonzero(mask.any(axis=1))  # the mask's bounding box, without listing
        cols = np.flatnonzero(mask.any(axis=0))  # its pixels
        if rows.size == 0:
            return out
        n = p.orientations
        sa, sl = p.sigma_across * period, p.sigma_along * period
        margin = math.ceil(3.0 * max(sa, sl))
        y0, y1 = max(int(rows[0]) - margin, 0), min(int(rows[-1]) + margin + 1, image.shape[0])
        x0, x1 = max(int(cols[0]) - margin, 0), min(int(cols[-1]) + margin + 1, image.shape[1])
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        index = np.rint(theta[y0:y1, x0:x1] * (n / math.pi)).astype(np.int32) % n
        result = np.zeros(crop.shape, dtype=np.float32)
        bins = max(1, p.period_bins) if local_period is not None else 1
        offsets = np.arange(bins) - (bins - 1) / 2.0
        periods = period * (1.0 + p.period_spread * offsets)
        inside = mask[y0:y1, x0:x1]
        if bins > 1 and local_period is not None:
            which = np.abs(
                local_period[y0:y1, x0:x1, None] - periods[None, None, :].astype(np.float32)
            ).argmin(axis=2)
        for b, band_period in enumerate(periods):
            kernels = bank_kernels(
                n,
                float(band_period),
                p.sigma_across * float(band_period),
                p.sigma_along * float(band_period),
            )
            in_band = inside & (which == b) if bins > 1 else inside  # one band: all of it
            result += oriented_filter(crop, index, in_band, kernels)
        out[y0:y1, x0:x1] = result
        out[~mask] = 0.0
        return out
