"""The cylinders' fast paths give what the plain OpenCV formulas give."""

from __future__ import annotations

import math

import cv2
import numpy as np
from numba import njit

from scomm.biometrics.mcc import (
    HULL_SCALE,
    MccParams,
    _dilate_runs,
    _disc_half_widths,
    _hull,
    build_cylinders,
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


@njit(cache=False)
def _cells_one_by_one(
    xs: np.ndarray, ys: np.ndarray, th: np.ndarray, hull: np.ndarray, p_radius: float,
    ns: int, nd: int, sigma_s: float, sigma_d: float, mu_psi: float,
) -> np.ndarray:  # fmt: skip
    """MCC's cell values as the paper writes them, cell by cell: for each cell of each
    minutia's cylinder (inside the circle, the image and the hull), the sum over the other
    minutiae within 3 sigma of the cell centre, in minutia order, of the spatial Gaussian times
    the direction bin's share; a bit per (minutia, cell, bin), 1 where the sum reaches mu_psi,
    -1 where the cell is unknown."""
    n = xs.size
    ds = 2.0 * p_radius / ns
    dd = 2.0 * math.pi / nd
    half = (ns + 1) / 2.0
    out = np.full((n, ns, ns, nd), -1, dtype=np.int8)
    for m in range(n):
        c, s = math.cos(th[m]), math.sin(th[m])
        for i in range(1, ns + 1):
            for j in range(1, ns + 1):
                if ds * math.hypot(i - half, j - half) > p_radius:
                    continue
                u, v = i - half, j - half
                px = xs[m] + ds * (u * c - v * s)
                py = ys[m] + ds * (u * s + v * c)
                hx, hy = int(px) // HULL_SCALE, int(py) // HULL_SCALE
                if px < 0 or py < 0 or hx >= hull.shape[1] or hy >= hull.shape[0]:
                    continue
                if hull[hy, hx] == 0:
                    continue
                for k in range(nd):
                    total = 0.0
                    for t in range(n):
                        d2 = (xs[t] - px) ** 2 + (ys[t] - py) ** 2
                        if t == m or d2 > (3.0 * sigma_s) ** 2:
                            continue
                        dtheta = (th[t] - th[m] + math.pi) % (2.0 * math.pi) - math.pi
                        phi = -math.pi + (k + 0.5) * dd
                        alpha = (phi - dtheta + math.pi) % (2.0 * math.pi) - math.pi
                        root2sd = sigma_d * math.sqrt(2.0)
                        share = 0.5 * (
                            math.erf((alpha + dd / 2.0) / root2sd)
                            - math.erf((alpha - dd / 2.0) / root2sd)
                        )
                        gauss = math.exp(-d2 / (2.0 * sigma_s * sigma_s))
                        total += (1.0 / (sigma_s * math.sqrt(2.0 * math.pi))) * gauss * share
                    out[m, i - 1, j - 1, k] = 1 if total >= mu_psi else 0
    return out


def test_cylinders_equal_the_cell_by_cell_sums() -> None:
    p = MccParams()
    rng = np.random.default_rng(11)
    for trial in range(12):
        n = int(rng.integers(0, 70))
        x, y = rng.uniform(0, 399.9, n), rng.uniform(0, 399.9, n)
        if trial % 3 == 0:  # clustered, many neighbours each
            x, y = 200 + rng.normal(0, 40, n).clip(-199, 199), 200 + rng.normal(0, 40, n)
            y = y.clip(0, 399.9)
        theta = rng.uniform(0, 2 * np.pi, n)
        cylinders = build_cylinders(x, y, theta, 400, 400)
        plain = _cells_one_by_one(
            x, y, theta, _hull(x, y, 400, 400, p), p.radius, p.spatial_cells,
            p.direction_cells, p.sigma_s, p.sigma_d, p.mu_psi,
        ).reshape(n, -1)  # fmt: skip
        bits = np.unpackbits(cylinders.bits.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        known = np.unpackbits(
            cylinders.known.astype("<u8").view(np.uint8), axis=1, bitorder="little"
        )
        cells = plain.shape[1]
        assert np.array_equal(known[:, :cells], (plain >= 0).astype(np.uint8))
        assert np.array_equal(bits[:, :cells], (plain == 1).astype(np.uint8))
        assert not bits[:, cells:].any() and not known[:, cells:].any()
