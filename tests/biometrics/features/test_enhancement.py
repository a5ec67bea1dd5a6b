from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from scomm.biometrics.features.enhancement import (
    _BANK_SPECTRA,
    TILE,
    bank_kernels,
    oriented_filter,
)


def _direct(
    image: np.ndarray, choice: np.ndarray, wanted: np.ndarray, kernels: tuple[np.ndarray, ...]
) -> np.ndarray:
    """The definition: each kernel's response by ``cv2.filter2D``, taken where it is chosen."""
    out = np.zeros(image.shape, dtype=np.float32)
    for k, kernel in enumerate(kernels):
        response = cv2.filter2D(image, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT)
        selected = wanted & (choice == k)
        out[selected] = response[selected]
    return out


@pytest.mark.parametrize("shape", [(TILE * 3, TILE * 2), (150, 97), (40, 230)])
def test_oriented_filter_is_the_chosen_kernels_response(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    image = rng.normal(size=shape).astype(np.float32)
    kernels = bank_kernels(16, 9.0, 0.45 * 9.0, 0.55 * 9.0)
    # smooth directions, as a print's, plus a patch of noise where every kernel is chosen
    ys, xs = np.mgrid[: shape[0], : shape[1]]
    choice = (np.rint((xs + 2 * ys) / 25.0).astype(np.int32)) % len(kernels)
    choice[:20, :20] = rng.integers(0, len(kernels), size=choice[:20, :20].shape)
    wanted = np.hypot(ys - shape[0] / 2, xs - shape[1] / 2) < 0.45 * max(shape)
    wanted[: shape[0] // 2, : TILE + 5] = False  # whole tiles with nothing wanted
    result = oriented_filter(image, choice, wanted, kernels)
    expected = _direct(image, choice, wanted, kernels)
    assert np.abs(result - expected).max() < 1e-5
    assert (result[~wanted] == 0).all()


def test_bank_kernels_run_in_order_of_direction() -> None:
    kernels = bank_kernels(8, 10.0, 4.5, 5.5)
    assert len(kernels) == 8
    # kernel 4 is kernel 0 turned by a quarter turn (ridges at pi / 2 instead of 0)
    assert np.allclose(np.rot90(kernels[0]), kernels[4], atol=1e-6)
    assert not np.allclose(kernels[0], kernels[4], atol=1e-3)
    assert math.isclose(float(np.abs(kernels[3]).sum()), 1.0, rel_tol=1e-5)


def test_kept_kernel_spectra_give_the_same_response() -> None:
    rng = np.random.default_rng(5)
    image = rng.normal(size=(150, 170)).astype(np.float32)
    choice = rng.integers(0, 16, size=image.shape).astype(np.int32)
    wanted = rng.random(image.shape) < 0.8
    kernels = bank_kernels(16, 8.5, 0.45 * 8.5, 0.55 * 8.5)
    fresh = oriented_filter(image, choice, wanted, [k.copy() for k in kernels])  # never kept
    first = oriented_filter(image, choice, wanted, kernels)
    assert _BANK_SPECTRA[id(kernels)][0] is kernels
    again = oriented_filter(image, choice, wanted, kernels)  # from the kept spectra
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh)
