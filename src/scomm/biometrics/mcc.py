"""Minutia Cylinder-Code descriptors (Cappelli, Ferrara, Maltoni 2010), bit-packed.

Each minutia gets a cylinder: a 16x16 spatial grid (radius 70 px at 500 ppi) rotated with the
minutia, times 6 direction bins, recording which neighbours lie where and at what relative
direction. Cylinders are invariant to rotation and translation and tolerate local distortion,
and as bit vectors two of them are compared with a handful of POPCNT instructions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.features.params import StageParams

MCC_VERSION = 2
"""Bumped whenever the cylinder layout or parameters change (stored cylinders are then rebuilt)."""

HULL_SCALE = 4
"""The hull mask is kept at a quarter of the image resolution."""


@dataclass(frozen=True)
class MccParams(StageParams):
    radius: float = 70.0
    spatial_cells: int = 16
    direction_cells: int = 6
    sigma_s: float = 28.0 / 3.0
    sigma_d: float = 2.0 * math.pi / 9.0
    mu_psi: float = 0.0035
    """A cell is set when its neighbours' contribution reaches this (tuned on FVC2004 DB1_B)."""
    hull_margin: float = 50.0
    """Cells further than this outside the minutiae's convex hull are unknown, not empty."""
    min_valid_cells: float = 0.75
    """Fraction of a cylinder's cells that must be known for the cylinder to be used."""
    min_neighbours: int = 2

    @property
    def words(self) -> int:
        bits = self.spatial_cells * self.spatial_cells * self.direction_cells
        return (bits + 63) // 64


@dataclass(frozen=True, eq=False)
class Cylinders:
    """Per-minutia bit vectors: ``bits`` (cell set), ``known`` (cell valid), ``usable`` flags."""

    bits: npt.NDArray[np.uint64]
    known: npt.NDArray[np.uint64]
    usable: npt.NDArray[np.bool_]


@compiled()
def _inside(radius: float, ns: int) -> npt.NDArray[np.bool_]:
    """The cells of the ``ns x ns`` grid whose centres lie within the cylinder's radius."""
    ds = 2.0 * radius / ns
    half = (ns + 1) / 2.0
    inside = np.zeros((ns, ns), dtype=np.bool_)
    for i in range(1, ns + 1):
        for j in range(1, ns + 1):
            inside[i - 1, j - 1] = ds * math.hypot(i - half, j - half) <= radius
    return inside


@compiled()
def _grid(
    xm: float,
    ym: float,
    c: float,
    s: float,
    hull: npt.NDArray[np.uint8],
    hull_scale: int,
    ds: float,
    inside: npt.NDArray[np.bool_],
    valid: npt.NDArray[np.bool_],
    cell_x: npt.NDArray[np.float64],
    cell_y: npt.NDArray[np.float64],
) -> int:
    """Place a minutia's cell centres (``cell_x``, ``cell_y``) and mark the ones inside the
    image and the hull (``valid``); returns how many are."""
    ns = inside.shape[0]
    half = (ns + 1) / 2.0
    hh, hw = hull.shape
    count = 0
    for i in range(1, ns + 1):
        for j in range(1, ns + 1):
            valid[i - 1, j - 1] = False
            if not inside[i - 1, j - 1]:
                continue
            u, v = i - half, j - half
            px = xm + ds * (u * c - v * s)
            py = ym + ds * (u * s + v * c)
            cell_x[i - 1, j - 1] = px
            cell_y[i - 1, j - 1] = py
            hx, hy = int(px) // hull_scale, int(py) // hull_scale
            if px < 0 or py < 0 or hx >= hw or hy >= hh or hull[hy, hx] == 0:
                continue
            valid[i - 1, j - 1] = True
            count += 1
    return count


@compiled()
def _set_cells(row: npt.NDArray[np.uint64], cell: int, nd: int, run: np.uint64) -> None:
    """Set the ``nd`` direction bits of spatial cell ``cell`` (consecutive bits) in ``row``."""
    first = cell * nd
    word, off = first >> 6, first & 63
    row[word] |= run << np.uint64(off)
    if off + nd > 64:
        row[word + 1] |= run >> np.uint64(64 - off)


@compiled()
def _direction_weights(
    dtheta: float, nd: int, dd: float, root2sd: float, cd: npt.NDArray[np.float64]
) -> None:
    """Each direction bin's share of a neighbour at relative direction ``dtheta`` (``cd``)."""
    two_pi = 2.0 * math.pi
    for k in range(nd):
        phi = -math.pi + (k + 0.5) * dd
        alpha = (phi - dtheta + math.pi) % two_pi - math.pi
        upper = math.erf((alpha + dd / 2.0) / root2sd)
        cd[k] = 0.5 * (upper - math.erf((alpha - dd / 2.0) / root2sd))


@compiled()
def _build(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    th: npt.NDArray[np.float64],
    hull: npt.NDArray[np.uint8],
    hull_scale: int,
    radius: float,
    ns: int,
    nd: int,
    sigma_s: float,
    sigma_d: float,
    mu_psi: float,
    min_valid: float,
    min_neighbours: int,
    words: int,
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """Each neighbour adds its contribution to the cells within 3 sigma of it (the contribution
    is zero beyond), in neighbour order, so sums equal the cell-by-cell loop's.

    The cells within 3 sigma lie within ``3 sigma / ds`` cells of the neighbour along either
    axis of the rotated grid (the rotation keeps lengths), so only those rows and columns are
    visited, with a margin far above rounding; the exact distance test still decides. A
    neighbour's direction weights are worked out only once a cell needs them."""
    n = xs.size
    bits = np.zeros((n, words), dtype=np.uint64)
    known = np.zeros((n, words), dtype=np.uint64)
    usable = np.zeros(n, dtype=np.bool_)
    ds = 2.0 * radius / ns
    dd = 2.0 * math.pi / nd
    reach2 = (3.0 * sigma_s) ** 2
    reach_cells = 3.0 * sigma_s / ds + 1e-6
    norm_s = 1.0 / (sigma_s * math.sqrt(2.0 * math.pi))
    root2sd = sigma_d * math.sqrt(2.0)
    two_pi = 2.0 * math.pi
    half = (ns + 1) / 2.0
    run = np.uint64((1 << nd) - 1)
    inside = _inside(radius, ns)
    in_circle = int(inside.sum())
    valid = np.zeros((ns, ns), dtype=np.bool_)
    cell_x = np.zeros((ns, ns), dtype=np.float64)
    cell_y = np.zeros((ns, ns), dtype=np.float64)
    contrib = np.zeros((ns, ns, nd), dtype=np.float64)
    cd = np.zeros(nd, dtype=np.float64)
    outer2 = (radius + 3.0 * sigma_s) ** 2
    for m in range(n):
        c, s = math.cos(th[m]), math.sin(th[m])
        valid_cells = _grid(xs[m], ys[m], c, s, hull, hull_scale, ds, inside, valid, cell_x, cell_y)
        contrib[:] = 0.0
        count = 0
        for t in range(n):
            dx, dy = xs[t] - xs[m], ys[t] - ys[m]
            if t == m or dx * dx + dy * dy > outer2:
                continue
            count += 1
            if valid_cells == 0:
                continue
            # the neighbour in cell units: px = x_m + ds * (u c - v s), py = y_m + ds * (u s + v c)
            cu = (dx * c + dy * s) / ds + half
            cv = (-dx * s + dy * c) / ds + half
            i0, i1 = max(1, math.ceil(cu - reach_cells)), min(ns, math.floor(cu + reach_cells))
            j0, j1 = max(1, math.ceil(cv - reach_cells)), min(ns, math.floor(cv + reach_cells))
            weighed = False
            for i in range(i0, i1 + 1):
                for j in range(j0, j1 + 1):
                    if not valid[i - 1, j - 1]:
                        continue
                    d2 = (xs[t] - cell_x[i - 1, j - 1]) ** 2 + (ys[t] - cell_y[i - 1, j - 1]) ** 2
                    if d2 > reach2:
                        continue
                    if not weighed:
                        dtheta = (th[t] - th[m] + math.pi) % two_pi - math.pi
                        _direction_weights(dtheta, nd, dd, root2sd, cd)
                        weighed = True
                    cs = norm_s * math.exp(-d2 / (2.0 * sigma_s * sigma_s))
                    for k in range(nd):
                        contrib[i - 1, j - 1, k] += cs * cd[k]
        for i in range(ns):
            for j in range(ns):
                if not valid[i, j]:
                    continue
                _set_cells(known[m], i * ns + j, nd, run)
                base = (i * ns + j) * nd
                for k in range(nd):
                    if contrib[i, j, k] >= mu_psi:
                        bit = base + k
                        bits[m, bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)
        usable[m] = valid_cells >= min_valid * in_circle and count >= min_neighbours
    return bits, known, usable


def build_cylinders(
    x: npt.NDArray[np.floating],
    y: npt.NDArray[np.floating],
    theta: npt.NDArray[np.floating],
    width: int,
    height: int,
    params: MccParams | None = None,
) -> Cylinders:
    """Cylinders for a set of minutiae in an image of the given size."""
    p = params or MccParams()
    hull = _hull(x, y, width, height, p)
    bits, known, usable = _build(
        np.asarray(x, dtype=np.float64),
        np.asarray(y, dtype=np.float64),
        np.asarray(theta, dtype=np.float64),
        hull,
        HULL_SCALE,
        p.radius,
        p.spatial_cells,
        p.direction_cells,
        p.sigma_s,
        p.sigma_d,
        p.mu_psi,
        p.min_valid_cells,
        p.min_neighbours,
        p.words,
    )
    return Cylinders(bits, known, usable)


def cell_mask(
    known: npt.NDArray[np.uint64], params: MccParams | None = None
) -> npt.NDArray[np.uint8]:
    """``known`` as one bit per spatial cell (a cell is known in all its direction bins or
    none): a sixth of the bytes, for storage; :func:`known_from_cells` expands it again."""
    p = params or MccParams()
    return _first_bins(np.ascontiguousarray(known), p.spatial_cells**2, p.direction_cells)


@compiled()
def _first_bins(known: npt.NDArray[np.uint64], cells: int, nd: int) -> npt.NDArray[np.uint8]:
    """Each cell's first direction bit, packed eight cells a byte, lowest bit first (what
    ``np.packbits(..., bitorder="little")`` gives, without its per-call overhead: a gallery
    stores every template it enrols this way)."""
    mask = np.zeros((known.shape[0], (cells + 7) // 8), dtype=np.uint8)
    one = np.uint64(1)
    for m in range(known.shape[0]):
        for byte in range(mask.shape[1]):
            packed = np.uint64(0)
            for b in range(min(8, cells - 8 * byte)):  # branch-free: a bit moved, not tested
                bit = (8 * byte + b) * nd
                packed |= ((known[m, bit >> 6] >> np.uint64(bit & 63)) & one) << np.uint64(b)
            mask[m, byte] = np.uint8(packed)
    return mask


def known_from_cells(
    mask: npt.NDArray[np.uint8], params: MccParams | None = None
) -> npt.NDArray[np.uint64]:
    """The inverse of :func:`cell_mask`."""
    p = params or MccParams()
    return _expand_cells(np.ascontiguousarray(mask), p.spatial_cells**2, p.direction_cells, p.words)


@compiled()
def _expand_cells(
    mask: npt.NDArray[np.uint8], cells: int, nd: int, words: int
) -> npt.NDArray[np.uint64]:
    known = np.zeros((mask.shape[0], words), dtype=np.uint64)
    run = np.uint64((1 << nd) - 1)  # a cell's direction bins: nd consecutive bits
    for m in range(mask.shape[0]):
        for cell in range(cells):
            if (mask[m, cell >> 3] >> (cell & 7)) & 1:
                first = cell * nd
                word, off = first >> 6, first & 63
                known[m, word] |= run << np.uint64(off)
                if off + nd > 64:
                    known[m, word + 1] |= run >> np.uint64(64 - off)
    return known


def _hull(
    x: npt.NDArray[np.floating],
    y: npt.NDArray[np.floating],
    width: int,
    height: int,
    p: MccParams,
) -> npt.NDArray[np.uint8]:
    """The minutiae's convex hull grown by ``hull_margin``, at 1/HULL_SCALE resolution."""
    n = int(np.asarray(x).size)
    hull = np.zeros(
        (max(height, 1) // HULL_SCALE + 1, max(width, 1) // HULL_SCALE + 1), dtype=np.uint8
    )
    if n >= 3:
        pts = (np.stack([x, y], axis=1) / HULL_SCALE).astype(np.int32)
        cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
        r = max(1, round(p.hull_margin / HULL_SCALE))
        grown, done = _dilate_runs(hull, _disc_half_widths(r))
        if not done:  # a row of the filled hull with a gap (never seen): the general dilation
            disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            grown = np.asarray(cv2.dilate(hull, disc), dtype=np.uint8)
        hull = grown
    return hull


@functools.cache
def _disc_half_widths(r: int) -> npt.NDArray[np.int64]:
    """Half the width of each row of OpenCV's elliptic structuring element of radius ``r``
    (its rows are runs centred on the middle column)."""
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    widths = np.count_nonzero(disc, axis=1)
    for row, width in zip(disc, widths, strict=True):
        assert np.array_equal(np.flatnonzero(row), np.arange(r - width // 2, r + width // 2 + 1))
    return np.asarray(widths // 2, dtype=np.int64)


@compiled()
def _dilate_runs(
    image: npt.NDArray[np.uint8], half_widths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.uint8], bool]:
    """``cv2.dilate`` of ``image`` by the symmetric element whose row ``r + dy`` spans
    ``half_widths[r + dy]`` columns either side of the centre, pixels outside the image
    ignored, when every row of ``image`` is a single run of set pixels (a filled convex hull
    is): each output row is then the union of its neighbour rows' runs, each widened by that
    row's half width, which costs a few operations a row instead of the element's area a
    pixel. Returns ``(dilated, True)``, or ``(image, False)`` when a row has a gap."""
    h, w = image.shape
    r = half_widths.size // 2
    first = np.full(h, -1, dtype=np.int64)
    last = np.full(h, -1, dtype=np.int64)
    for y in range(h):
        count = 0
        for x in range(w):
            if image[y, x]:
                if first[y] < 0:
                    first[y] = x
                last[y] = x
                count += 1
        if count and count != last[y] - first[y] + 1:
            return image, False
    out = np.zeros_like(image)
    change = np.zeros(w + 1, dtype=np.int64)
    for y in range(h):
        change[:] = 0
        for dy in range(-r, r + 1):
            source = y + dy
            if source < 0 or source >= h or first[source] < 0:
                continue
            change[max(0, first[source] - half_widths[r + dy])] += 1
            change[min(w, last[source] + half_widths[r + dy] + 1)] -= 1
        covered = 0
        for x in range(w):
            covered += change[x]
            if covered > 0:
                out[y, x] = 1
    return out, True
