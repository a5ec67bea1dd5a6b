"""Candidate retrieval for 1:N search: locality-sensitive hashing of MCC cylinders.

After Cappelli, Ferrara and Maltoni, "Fingerprint indexing based on Minutia Cylinder-Code"
(IEEE TPAMI 2011): similar cylinders agree on most of their bits, so hash functions that each
read a few sampled bits send the cylinders of two impressions of a finger into the same buckets
far more often than the cylinders of different fingers. Each gallery template is posted under
every (table, bucket) its usable cylinders hash to; a probe's cylinders look up their buckets and
vote for the templates found there. The most-voted templates go on to the full 1:1 comparison.

The bit-packed cylinders are sparse (a few percent of cells set), so sampled fine bits would
mostly read zeros. Each cylinder is first pooled into a 64-bit code (8 x 8 spatial cells, a bit
set when any of its 2 x 2 x directions fine cells is), which is dense enough to hash. The finger
position is part of the bucket key, so a right thumb only ever votes for right thumbs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from scomm.biometrics.mcc import MccParams
from scomm.biometrics.popcount import popcount64
from scomm.biometrics.template import Template

POSITIONS = 16
"""Finger position codes 0..15 (ANSI/NIST: 0 unknown, 1-10 fingers, 11-15 plain impressions)."""
DIRECTION_BINS = 8
"""Minutia direction bins in the key; a probe also looks in the two neighbouring bins, so
impressions rotated up to about 1.5 bins (67 degrees) from the enrolled one still collide."""


@dataclass(frozen=True)
class IndexParams:
    tables: int = 24
    """Hash functions (one bucket table each): more find more mates and cost memory."""
    bits: int = 14
    """Code bits each hash function reads: more make buckets smaller and collisions rarer."""
    min_set_bits: int = 2
    """Keys with fewer set bits are not posted or looked up (near-empty cylinders collide)."""
    seed: int = 20110101

    def sampled_bits(self) -> npt.NDArray[np.int64]:
        """Which code bits each table reads: ``(tables, bits)``, fixed by the seed."""
        rng = np.random.default_rng(self.seed)
        return np.stack([rng.choice(64, self.bits, replace=False) for _ in range(self.tables)])

    @property
    def buckets(self) -> int:
        return (POSITIONS * DIRECTION_BINS) << self.bits


@numba.njit(cache=True)
def _pool(
    bits: npt.NDArray[np.uint64],
    usable: npt.NDArray[np.bool_],
    ns: int,
    nd: int,
) -> npt.NDArray[np.uint64]:
    n = bits.shape[0]
    half = ns // 8
    codes = np.zeros(n, dtype=np.uint64)
    for m in range(n):
        if not usable[m]:
            continue
        code = np.uint64(0)
        for i in range(ns):
            for j in range(ns):
                coarse = (i // half) * 8 + j // half
                base = (i * ns + j) * nd
                for k in range(nd):
                    b = base + k
                    if (bits[m, b // 64] >> np.uint64(b % 64)) & np.uint64(1):
                        code |= np.uint64(1) << np.uint64(coarse)
                        break
        codes[m] = code
    return codes


def cylinder_codes(template: Template) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
    """A 64-bit pooled code and a direction bin per usable cylinder of ``template``."""
    cyl = template.cylinders
    if len(template) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint8)
    p = MccParams()
    codes = _pool(cyl.bits, cyl.usable, p.spatial_cells, p.direction_cells)
    keep = cyl.usable & (codes != 0)
    bins = (template.theta[keep] * (DIRECTION_BINS / (2 * np.pi))).astype(np.int64)
    return codes[keep], (bins % DIRECTION_BINS).astype(np.uint8)


@numba.njit(cache=True)
def _keys(
    codes: npt.NDArray[np.uint64],
    dirs: npt.NDArray[np.uint8],
    turn: int,
    position: int,
    sampled: npt.NDArray[np.int64],
    min_set: int,
) -> npt.NDArray[np.int64]:
    """Bucket of every code in every table, its direction bin turned by ``turn``; -1 where the
    sampled bits are too empty to mean anything."""
    tables, width = sampled.shape
    keys = np.full((tables, codes.size), -1, dtype=np.int64)
    for t in range(tables):
        for c in range(codes.size):
            key = 0
            for b in range(width):
                key = (key << 1) | int((codes[c] >> np.uint64(sampled[t, b])) & np.uint64(1))
            if popcount64(np.uint64(key)) >= min_set:
                d = (int(dirs[c]) + turn) % DIRECTION_BINS
                keys[t, c] = ((position * DIRECTION_BINS + d) << width) | key
    return keys


def bucket_keys(
    codes: npt.NDArray[np.uint64],
    dirs: npt.NDArray[np.uint8],
    position: int,
    params: IndexParams,
    spread: int = 0,
) -> npt.NDArray[np.int64]:
    """``(tables, k * len(codes))`` bucket numbers (-1: not indexed) for codes of one finger,
    in the direction bin of each code and, with ``spread``, that many bins either side."""
    if not 0 <= position < POSITIONS:
        raise ValueError(f"finger position {position} out of range 0..{POSITIONS - 1}")
    sampled = params.sampled_bits()
    turns = range(-spread, spread + 1)
    parts = [_keys(codes, dirs, t, position, sampled, params.min_set_bits) for t in turns]
    return np.concatenate(parts, axis=1)


@numba.njit(cache=True)
def _build_tables(
    template_ids: npt.NDArray[np.int64],
    keys: npt.NDArray[np.int64],
    buckets: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """CSR posting lists per table: ``offsets (tables, buckets + 1)``, ``postings`` (flat).

    A template is posted at most once per bucket (its cylinders are sorted by template).
    """
    tables, n = keys.shape
    offsets = np.zeros((tables, buckets + 1), dtype=np.int64)
    keep = np.zeros((tables, n), dtype=np.bool_)
    for t in range(tables):
        for c in range(n):
            k = keys[t, c]
            if k < 0:
                continue
            duplicate = False
            c2 = c - 1
            while c2 >= 0 and template_ids[c2] == template_ids[c]:
                if keys[t, c2] == k:
                    duplicate = True
                    break
                c2 -= 1
            if not duplicate:
                keep[t, c] = True
                offsets[t, k + 1] += 1
    total = 0
    for t in range(tables):
        for b in range(buckets):
            offsets[t, b + 1] += offsets[t, b]
        offsets[t] += total
        total = offsets[t, buckets]
    postings = np.empty(total, dtype=np.int32)
    fill = offsets[:, :buckets].copy()
    for t in range(tables):
        for c in range(n):
            if keep[t, c]:
                k = keys[t, c]
                postings[fill[t, k]] = template_ids[c]
                fill[t, k] += 1
    return offsets, postings


@numba.njit(cache=True)
def _vote(
    keys: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    postings: npt.NDArray[np.int32],
    votes: npt.NDArray[np.float32],
    max_bucket: int,
) -> None:
    """Add each template's collisions with the probe, weighted by how rare the bucket is."""
    tables, n = keys.shape
    for t in range(tables):
        for c in range(n):
            k = keys[t, c]
            if k < 0:
                continue
            start, end = offsets[t, k], offsets[t, k + 1]
            size = end - start
            if size == 0 or size > max_bucket:
                continue
            weight = np.float32(1.0 / np.sqrt(size))
            for q in range(start, end):
                votes[postings[q]] += weight


class LshIndex:
    """Posting lists of template numbers by (table, finger position, sampled code bits)."""

    def __init__(
        self,
        params: IndexParams,
        offsets: npt.NDArray[np.int64],
        postings: npt.NDArray[np.int32],
        size: int,
    ) -> None:
        self.params = params
        self.offsets = offsets
        self.postings = postings
        self.size = size
        """Template numbers run 0..size-1 (votes are counted in an array that long)."""

    @staticmethod
    def build(
        template_ids: npt.NDArray[np.int64],
        codes: npt.NDArray[np.uint64],
        dirs: npt.NDArray[np.uint8],
        positions: npt.NDArray[np.uint8],
        size: int,
        params: IndexParams | None = None,
    ) -> LshIndex:
        """Index cylinder ``codes`` (one row per cylinder, grouped by template number)."""
        p = params or IndexParams()
        keys = np.full((p.tables, codes.size), -1, dtype=np.int64)
        for pos in np.unique(positions):
            rows = np.flatnonzero(positions == pos)
            keys[:, rows] = bucket_keys(codes[rows], dirs[rows], int(pos), p)
        offsets, postings = _build_tables(template_ids, keys, p.buckets)
        return LshIndex(p, offsets, postings, size)

    def candidates(
        self,
        codes: npt.NDArray[np.uint64],
        dirs: npt.NDArray[np.uint8],
        position: int,
        count: int,
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.int64]:
        """The ``count`` template numbers with most votes from a probe's cylinder codes."""
        votes = np.zeros(self.size, dtype=np.float32)
        keys = bucket_keys(codes, dirs, position, self.params, spread=1)
        max_bucket = max(1000, self.size // 20)
        _vote(keys, self.offsets, self.postings, votes, max_bucket)
        if allowed is not None:
            votes[~allowed[: self.size]] = 0.0
        hit = np.flatnonzero(votes)
        if hit.size > count:
            hit = hit[np.argpartition(votes[hit], -count)[-count:]]
        return hit[np.argsort(-votes[hit], kind="stable")]

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.postings.nbytes)
