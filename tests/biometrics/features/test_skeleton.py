from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics.features.skeleton import Skeletonizer


def _zhang_suen(binary: np.ndarray) -> np.ndarray:
    """Zhang-Suen as published: every ridge pixel tested in every subiteration."""
    img = binary.astype(np.int64)
    img[0, :] = img[-1, :] = img[:, 0] = img[:, -1] = 0
    changed = True
    while changed:
        changed = False
        for sub in range(2):
            p = np.pad(img, 1)
            # neighbours p2..p9, clockwise from north
            n = [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:],
                 p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]  # fmt: skip
            b = sum(n)
            a = sum((n[i] == 0) & (n[(i + 1) % 8] == 1) for i in range(8))
            p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
            if sub == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (img == 1) & (b >= 2) & (b <= 6) & (a == 1) & side
            if remove.any():
                img[remove] = 0
                changed = True
    return img.astype(np.uint8)


@pytest.mark.parametrize("seed", range(6))
def test_thinning_is_zhang_suens(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = rng.integers(3, 90, size=2)
    # blobs and stripes of several widths, so that thinning takes several passes
    noise = rng.random((h, w)) < rng.uniform(0.2, 0.9)
    ys, xs = np.mgrid[:h, :w]
    stripes = np.sin((xs + 0.4 * ys) / rng.uniform(1.5, 4.0)) > rng.uniform(-0.5, 0.5)
    binary = (noise | stripes).astype(np.uint8) if seed % 2 else noise.astype(np.uint8)
    thinned = Skeletonizer().thin(binary)
    assert np.array_equal(thinned, _zhang_suen(binary))
    assert thinned.sum() <= binary.sum()
