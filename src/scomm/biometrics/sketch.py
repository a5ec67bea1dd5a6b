"""Sketches: the middle stage of a search, between index votes and full comparison.

Index votes count hash collisions of whole cylinders, and a mate that shares only a few
cylinders with a partial, distorted probe gathers few of them: at 100,000 templates, mates
that the full matcher puts first sat at vote ranks 653 to 4,294, past the few hundred subjects
a search can afford to compare fully. Every indexed template therefore also has a sketch in
memory: per indexed cylinder 64 one-bit MinHashes of its set cells (two cylinders agree on a
bit with probability (1 + Jaccard) / 2), the minutia's direction (one byte) and position (two
16-bit pixels), 13 bytes a cylinder. ``sketch_scores`` pairs each probe cylinder with its best
partner by agreeing bits and keeps the strongest pairs that agree with each other's rotation
and distances, a cheap echo of the matcher's consensus check: thousands of templates cost
about as much as a few dozen full comparisons, and the mates above come within the first few
hundred.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.index import IndexParams, first_set, is_indexed, rank_orders
from scomm.biometrics.popcount import popcount64
from scomm.biometrics.stored import MASK_BYTES, WORDS, read_stored
from scomm.biometrics.template import ANGLE_STEP, POSITION_SCALE, Template

SKETCH_BITS = 64
SKETCH_SEED = 20261206
"""Seed of the sketch's 64 cell orders (independent of the index's tables)."""


@dataclass(frozen=True)
class SketchParams:
    """How ``sketch_scores`` compares a probe with a template's sketch. Tuned at 100,000
    templates (docs/search.md): a probe cylinder's partner is its best sketch match within
    ``max_turn``; the ``strongest`` such pairs above ``floor`` agreeing bits are checked for
    geometric consensus (same rotation within ``turn_tolerance``, same distance within
    ``distance_tolerance`` px), and the score is the best pair's consensus weight."""

    strongest: int = 16
    max_turn: int = 48
    """Direction units of 1/256 turn (48: 67.5 degrees)."""
    floor: int = 36
    """Agreeing bits (of 64) a pair needs to count; 32 is what unrelated cylinders average."""
    turn_tolerance: int = 24
    distance_tolerance: float = 20.0

    @property
    def config(self) -> npt.NDArray[np.float64]:
        return np.array(
            [
                self.strongest,
                self.max_turn,
                self.floor,
                self.turn_tolerance,
                self.distance_tolerance,
            ],
            dtype=np.float64,
        )


@dataclass(frozen=True, eq=False)
class Sketches:
    """Sketches of templates 0..count-1: cylinders of template ``t`` are rows
    ``offsets[t]:offsets[t + 1]`` of ``bits`` (one-bit MinHashes), ``directions`` (1/256
    turn) and ``xy`` (pixels)."""

    bits: npt.NDArray[np.uint64]
    directions: npt.NDArray[np.uint8]
    xy: npt.NDArray[np.int16]
    offsets: npt.NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.offsets.size) - 1

    @property
    def nbytes(self) -> int:
        arrays = (self.bits, self.directions, self.xy, self.offsets)
        return sum(int(a.nbytes) for a in arrays)

    @staticmethod
    def empty() -> Sketches:
        return Sketches(
            np.zeros(0, np.uint64),
            np.zeros(0, np.uint8),
            np.zeros((0, 2), np.int16),
            np.zeros(1, np.int64),
        )

    def prefix(self, count: int) -> Sketches:
        """The sketches of templates 0..count-1."""
        end = int(self.offsets[count])
        return Sketches(
            self.bits[:end], self.directions[:end], self.xy[:end], self.offsets[: count + 1]
        )

    @staticmethod
    def joined(parts: Sequence[Sketches]) -> Sketches:
        """The sketches of ``parts``' templates, one part after the other."""
        starts = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
        return Sketches(
            np.concatenate([p.bits for p in parts]),
            np.concatenate([p.directions for p in parts]),
            np.concatenate([p.xy for p in parts]),
            np.concatenate(
                [p.offsets[:-1] + s for p, s in zip(parts, starts, strict=True)]
                + [parts[-1].offsets[-1:] + starts[-1]]
            ),
        )


def _sketch_orders(cells: int) -> npt.NDArray[np.int32]:
    orders: npt.NDArray[np.int32] = rank_orders(
        IndexParams(tables=SKETCH_BITS, hashes=1, seed=SKETCH_SEED), cells
    )[:, 0, :]
    return np.ascontiguousarray(orders)


@compiled()
def _direction_byte(theta: float) -> np.uint8:
    return np.uint8(int(theta * 256.0 / (2.0 * np.pi)) % 256)


@compiled()
def _sketch_rows(
    bits: npt.NDArray[np.uint64],
    usable: npt.NDArray[np.bool_],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    theta: npt.NDArray[np.float64],
    orders: npt.NDArray[np.int32],
    min_set: int,
    out_bits: npt.NDArray[np.uint64],
    out_dirs: npt.NDArray[np.uint8],
    out_xy: npt.NDArray[np.int16],
    at: int,
) -> int:
    """Write the sketch of each indexed cylinder (usable, ``min_set`` set cells: the ones the
    index hashes) from row ``at`` on; returns the next free row. Bit ``j`` is the parity of
    MinHash ``j``: two cylinders agree on it with probability (1 + Jaccard) / 2."""
    for m in range(bits.shape[0]):
        if not is_indexed(bits, usable, m, min_set):
            continue
        value = np.uint64(0)
        for j in range(orders.shape[0]):
            low = first_set(bits, m, orders[j], -1)
            value |= np.uint64(low & 1) << np.uint64(j)
        out_bits[at] = value
        out_dirs[at] = _direction_byte(theta[m])
        out_xy[at, 0] = np.int16(min(round(x[m]), 32767))
        out_xy[at, 1] = np.int16(min(round(y[m]), 32767))
        at += 1
    return at


@compiled()
def _sketch_blobs(
    blob: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    orders: npt.NDArray[np.int32],
    min_set: int,
    words: int,
    mask_bytes: int,
    angle_step: float,
    position_scale: float,
) -> tuple[
    npt.NDArray[np.uint64], npt.NDArray[np.uint8], npt.NDArray[np.int16], npt.NDArray[np.int64]
]:
    """Sketches of stored templates, read from the blob as ``_score_stored`` reads them."""
    total = 0
    for i in range(starts.size):
        total += counts[i]
    out_bits = np.zeros(total, dtype=np.uint64)
    out_dirs = np.zeros(total, dtype=np.uint8)
    out_xy = np.zeros((total, 2), dtype=np.int16)
    offsets = np.zeros(starts.size + 1, dtype=np.int64)
    at = 0
    for i in range(starts.size):
        n, s = counts[i], starts[i]
        x, y, t, usable, bits = read_stored(
            blob, s, n, words, mask_bytes, angle_step, position_scale
        )
        at = _sketch_rows(bits, usable, x, y, t, orders, min_set, out_bits, out_dirs, out_xy, at)
        offsets[i + 1] = at
    return out_bits[:at].copy(), out_dirs[:at].copy(), out_xy[:at].copy(), offsets


def sketch_stored(
    blob: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    min_set_cells: int,
) -> Sketches:
    """Sketches of the stored templates at ``starts`` (of ``counts`` minutiae) in ``blob``."""
    bits, dirs, xy, offsets = _sketch_blobs(
        blob,
        np.ascontiguousarray(starts, dtype=np.int64),
        np.ascontiguousarray(counts, dtype=np.int64),
        _sketch_orders(WORDS * 64),
        min_set_cells,
        WORDS,
        MASK_BYTES,
        ANGLE_STEP,
        float(POSITION_SCALE),
    )
    return Sketches(bits, dirs, xy, offsets)


def sketch_template(template: Template, min_set_cells: int) -> Sketches:
    """The sketch of one template (a probe), equal to that of the same template stored."""
    cyl = template.cylinders
    n = len(template)
    if n == 0:
        return Sketches.empty()
    out_bits = np.zeros(n, dtype=np.uint64)
    out_dirs = np.zeros(n, dtype=np.uint8)
    out_xy = np.zeros((n, 2), dtype=np.int16)
    orders = _sketch_orders(int(cyl.bits.shape[1]) * 64)
    rows = _sketch_rows(
        cyl.bits,
        cyl.usable,
        template.x,
        template.y,
        template.theta,
        orders,
        min_set_cells,
        out_bits,
        out_dirs,
        out_xy,
        0,
    )
    offsets = np.array([0, rows], dtype=np.int64)
    return Sketches(out_bits[:rows], out_dirs[:rows], out_xy[:rows], offsets)


@compiled()
def _sketch_scores(
    p_bits: npt.NDArray[np.uint64],
    p_dirs: npt.NDArray[np.uint8],
    p_xy: npt.NDArray[np.int16],
    bits: npt.NDArray[np.uint64],
    dirs: npt.NDArray[np.uint8],
    xy: npt.NDArray[np.int16],
    offsets: npt.NDArray[np.int64],
    numbers: npt.NDArray[np.int64],
    cfg: npt.NDArray[np.float64],
) -> npt.NDArray[np.float32]:
    strongest, max_turn, floor = int(cfg[0]), int(cfg[1]), int(cfg[2])
    turn_tol, dist_tol = int(cfg[3]), cfg[4]
    n = p_bits.size
    scores = np.zeros(numbers.size, dtype=np.float32)
    k = min(strongest, n)
    top_w = np.zeros(k + 1, dtype=np.int64)
    top_i = np.zeros(k + 1, dtype=np.int64)
    top_j = np.zeros(k + 1, dtype=np.int64)
    support = np.zeros(k + 1, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    partner = np.zeros(n, dtype=np.int64)
    histogram = np.zeros(SKETCH_BITS + 1, dtype=np.int64)
    near = np.zeros((n, n), dtype=np.int64)  # squared distances a partner pair may have
    far = np.zeros((n, n), dtype=np.int64)
    for i in range(n):
        for j in range(n):
            dx, dy = float(p_xy[i, 0] - p_xy[j, 0]), float(p_xy[i, 1] - p_xy[j, 1])
            d = np.sqrt(dx * dx + dy * dy)
            near[i, j] = int(np.ceil(max(d - dist_tol, 0.0) ** 2))
            far[i, j] = int(np.floor((d + dist_tol) ** 2))
    for c in range(numbers.size):
        t = numbers[c]
        a, b = offsets[t], offsets[t + 1]
        if a == b or k == 0:
            continue
        for i in range(n):  # each probe cylinder's best partner
            # branch-free, so that the loop vectorises: agreement and partner in one number
            packed = np.int64(0)
            pd = np.int64(p_dirs[i])
            pb = p_bits[i]
            for j in range(a, b):
                turn = np.abs(((pd - np.int64(dirs[j]) + 128) & 255) - 128)
                agree = SKETCH_BITS - np.int64(popcount64(pb ^ bits[j]))
                value = (agree << 16) | (0xFFFF - (j - a))  # ties: the first partner
                packed = max(packed, value * np.int64(turn <= max_turn))
            best[i], partner[i] = packed >> 16, a + 0xFFFF - (packed & 0xFFFF)
        # the k strongest pairs above the floor (ties at the cut: the first probe cylinders)
        histogram[:] = 0
        for i in range(n):
            histogram[best[i]] += 1
        cut, above = SKETCH_BITS, 0
        while cut > floor + 1 and above + histogram[cut] < k:
            above += histogram[cut]
            cut -= 1
        kept, room = 0, k - above
        for i in range(n):
            if best[i] > cut or (best[i] == cut and room > 0):
                room -= best[i] == cut
                top_w[kept], top_i[kept], top_j[kept] = best[i], i, partner[i]
                kept += 1
        for u in range(kept):  # the pair whose rotation and distances most pairs share
            support[u] = top_w[u] - floor
        for u in range(kept):
            iu, ju = top_i[u], top_j[u]
            turn_u = np.int64(dirs[ju]) - np.int64(p_dirs[iu])
            for v in range(u + 1, kept):
                iv, jv = top_i[v], top_j[v]
                turn = turn_u - (np.int64(dirs[jv]) - np.int64(p_dirs[iv]))
                if jv == ju or np.abs(((turn + 128) & 255) - 128) > turn_tol:
                    continue
                ex = np.int64(xy[ju, 0]) - np.int64(xy[jv, 0])
                ey = np.int64(xy[ju, 1]) - np.int64(xy[jv, 1])
                if near[iu, iv] <= ex * ex + ey * ey <= far[iu, iv]:
                    support[u] += top_w[v] - floor
                    support[v] += top_w[u] - floor
        result = 0
        for u in range(kept):
            result = max(result, support[u])
        scores[c] = result
    return scores


def sketch_scores(
    probe: Sketches, sketches: Sketches, numbers: npt.NDArray[np.int64], params: SketchParams
) -> npt.NDArray[np.float32]:
    """How strongly each template ``numbers`` (below ``sketches.count``) agrees with the
    probe's sketch: a cheap stand-in for the full comparison, to choose which templates get
    it. 0 where no pair of cylinders agrees with another's geometry."""
    scores: npt.NDArray[np.float32] = _sketch_scores(
        probe.bits,
        probe.directions,
        probe.xy,
        sketches.bits,
        sketches.directions,
        sketches.xy,
        sketches.offsets,
        np.ascontiguousarray(numbers, dtype=np.int64),
        params.config,
    )
    return scores
