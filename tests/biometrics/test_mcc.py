"""The cylinders' fast paths give what the plain OpenCV formulas give."""

from __future__ import annotations

import cv2
import numpy as np

from scomm.biometrics.mcc import (
    HULL_SCALE,
    MccParams,
    _dilate_runs,
    _disc_half_widths,
    _hull,
    cell_mask,
)


def _plain_hull(x: np.ndarray, y: np.ndarray, width: int, height: int) -> np.ndarray:
    """The hull as first written: filled convex polygon, dilated by OpenCV."""
    hull = np.zeros((height // HULL_SCALE + 1, width // HULL_SCALE + 1), dtype=np.uint8)
    pts = (np.stack([x, y], axis=1) / HULL_SCALE).astype(np.int32)
    cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    r = max(1, round(MccParams().hull_margin / HULL_SCALE))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return np.asarray(cv2.dilate(hull, disc), dtype=np.uint8)


def test_hull_equals_opencvs_dilation_of_the_filled_polygon() -> None:
    rng = np.random.default_rng(3)
    for trial in range(300):
        width, height = (400, 400) if trial % 2 else (640, 480)
        n = int(rng.integers(3, 60))
        spread = rng.uniform(0.02, 0.5) * np.array([width, height])
        centre = rng.uniform(0, 1, 2) * np.array([width, height])
        points = np.clip(centre + rng.normal(0, 1, (n, 2)) * spread, 0, [width - 1, height - 1])
        if trial % 7 == 0:  # on one line, or touching the frame
            points[:, 1] = points[0, 1] if trial % 2 else 0.0
        x, y = points[:, 0], points[:, 1]
        assert np.array_equal(
            _hull(x, y, width, height, MccParams()), _plain_hull(x, y, width, height)
        )


def test_rows_with_gaps_are_left_to_opencv() -> None:
    image = np.zeros((40, 40), dtype=np.uint8)
    image[20, 5:10] = image[20, 30:35] = 1  # a row of two runs
    out, done = _dilate_runs(image, _disc_half_widths(3))
    assert not done and out is image
    single = np.zeros((40, 40), dtype=np.uint8)
    single[10:30, 12:20] = 1
    single[25, 0:39] = 1
    out, done = _dilate_runs(single, _disc_half_widths(3))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    assert done and np.array_equal(out, cv2.dilate(single, disc))


def test_cell_mask_is_the_first_direction_bit_of_each_cell_packed() -> None:
    p = MccParams()
    rng = np.random.default_rng(8)
    cells = p.spatial_cells**2
    for n in (0, 1, 7, 40):
        known = rng.integers(0, 2**63, (n, p.words), dtype=np.uint64) * np.uint64(2) + np.uint64(
            n % 2
        )
        flat = np.unpackbits(known.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        first = flat[:, : cells * p.direction_cells].reshape(n, cells, p.direction_cells)[:, :, 0]
        plain = np.packbits(first, axis=1, bitorder="little")
        assert np.array_equal(cell_mask(known), plain)
