"""Candidate retrieval for 1:N search: locality-sensitive hashing of MCC cylinders.

In the spirit of Cappelli, Ferrara and Maltoni, "Fingerprint indexing based on Minutia
Cylinder-Code" (IEEE TPAMI 2011): the cylinders of two impressions of one finger share most of
their set cells, so hash functions that agree with high probability on similar cylinders send
them into the same buckets far more often than cylinders of different fingers. Each gallery
template is posted under every (table, bucket) its usable cylinders hash to; a probe's
cylinders look up their buckets and vote for the templates found there, rare buckets weighing
more. The most-voted templates go on to the full 1:1 comparison.

The bit cylinders are sparse (a few percent of cells set), and sampling single bits, as the
paper does with its denser float cylinders, mostly reads zeros. The hash family here is
MinHash over a cylinder's set cells: one hash agrees for two cylinders with probability equal
to the Jaccard similarity of their set cells (about 0.45 for mated cylinders of the synthetic
set, 0.06 for others), and each table concatenates ``hashes`` of them. The finger position and
the minutia's direction (coarsely) are part of each key, so a right thumb votes for right
thumbs (keys share hashed buckets, so callers also mask the position's templates), and a probe
looks in its own direction bin and the neighbouring bin nearer to its direction (the farther
one brought more strangers than mates). A probe also looks up, per MinHash, the key with that
hash's runner-up cell (multi-probe LSH, at half weight): the partial, distorted captures that
lose a mate's first cell still meet it there, with no extra postings stored. Postings take 3
bytes a template number.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scomm.biometrics.compiled import compiled
from scomm.biometrics.popcount import popcount64
from scomm.biometrics.template import Template

POSITIONS = 16
"""Finger position codes 0..15 (ANSI/NIST: 0 unknown, 1-10 fingers, 11-15 plain impressions)."""
DIRECTION_BINS = 8
NO_KEY = -1
STORED_NO_KEY = 0xFFFFFFFF
"""``NO_KEY`` in stored (uint32) keys."""


@dataclass(frozen=True)
class IndexParams:
    tables: int = 24
    """Hash tables: more find more mates and cost memory (3 bytes per cylinder per table)."""
    hashes: int = 3
    """MinHashes per key: more make collisions rarer for mates and much rarer for others."""
    min_set_cells: int = 6
    """Cylinders with fewer set cells are not indexed (near-empty cylinders collide)."""
    seed: int = 20110101


@functools.lru_cache(maxsize=8)
def _permutations(params: IndexParams, cells: int) -> npt.NDArray[np.int32]:
    """``(tables, hashes, cells)`` random ranks of the cylinder cells, fixed by the seed."""
    rng = np.random.default_rng(params.seed)
    ranks = np.empty((params.tables, params.hashes, cells), dtype=np.int32)
    for t in range(params.tables):
        for h in range(params.hashes):
            ranks[t, h] = rng.permutation(cells)
    return ranks


@functools.lru_cache(maxsize=8)
def rank_orders(params: IndexParams, cells: int) -> npt.NDArray[np.int32]:
    """``(tables, hashes, cells)``: the cells in the order of their ranks (the inverse
    permutations), so a MinHash is the first position whose cell is set."""
    return np.argsort(_permutations(params, cells), axis=2).astype(np.int32)


@compiled()
def set_cells(bits: npt.NDArray[np.uint64], m: int) -> int:
    count = 0
    for w in range(bits.shape[1]):
        count += popcount64(bits[m, w])
    return count


@compiled()
def is_indexed(
    bits: npt.NDArray[np.uint64], usable: npt.NDArray[np.bool_], m: int, min_set: int
) -> bool:
    """Whether cylinder ``m`` is hashed (and sketched): usable, with ``min_set`` set cells."""
    return bool(usable[m]) and set_cells(bits, m) >= min_set


@compiled()
def first_set(
    bits: npt.NDArray[np.uint64], m: int, order: npt.NDArray[np.int32], after: int
) -> int:
    """The first position past ``after`` in a rank ``order`` whose cell is set in cylinder
    ``m`` (``order.size`` if none): a MinHash (``after`` -1) or its runner-up."""
    low = after + 1
    one = np.uint64(1)
    while low < order.size:
        cell = order[low]
        if (bits[m, cell >> 6] >> np.uint64(cell & 63)) & one:
            return low
        low += 1
    return low


@compiled()
def _key(position: int, direction: int, table: int, lows: npt.NDArray[np.int64]) -> np.int64:
    """A table's 32-bit key of a finger position, a direction bin and the table's MinHashes."""
    h = np.uint64((position * DIRECTION_BINS + direction) * 1315423911 + table)
    for j in range(lows.size):
        h = (h ^ np.uint64(lows[j])) * np.uint64(0x100000001B3)
    h ^= h >> np.uint64(29)
    return np.int64(h & np.uint64(0xFFFFFFFF))


@compiled()
def _direction_bin(theta: float) -> tuple[int, int]:
    """A minutia's direction bin and the neighbouring bin nearer to its direction."""
    f = theta * DIRECTION_BINS / (2.0 * np.pi)
    own = int(f)
    nearer = own + 1 if f - own >= 0.5 else own - 1
    return own % DIRECTION_BINS, nearer % DIRECTION_BINS


@compiled()
def _minhash_keys(
    bits: npt.NDArray[np.uint64],
    usable: npt.NDArray[np.bool_],
    theta: npt.NDArray[np.float64],
    position: int,
    turn: int,
    orders: npt.NDArray[np.int32],
    min_set: int,
) -> npt.NDArray[np.int64]:
    """``(n, tables)`` keys, ``NO_KEY`` for cylinders not indexed. Each MinHash walks the
    cells in rank order to the first set one: with a few hundred of ~1,500 cells set that is a
    handful of steps, not a pass over every set cell."""
    n = bits.shape[0]
    tables, hashes, _ = orders.shape
    keys = np.full((n, tables), -1, dtype=np.int64)
    lows = np.empty(hashes, dtype=np.int64)
    for m in range(n):
        if not is_indexed(bits, usable, m, min_set):
            continue
        d = (_direction_bin(theta[m])[0] + turn) % DIRECTION_BINS
        for t in range(tables):
            for j in range(hashes):
                lows[j] = first_set(bits, m, orders[t, j], -1)
            keys[m, t] = _key(position, d, t, lows)
    return keys


@compiled()
def _probe_keys(
    bits: npt.NDArray[np.uint64],
    usable: npt.NDArray[np.bool_],
    theta: npt.NDArray[np.float64],
    position: int,
    orders: npt.NDArray[np.int32],
    min_set: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A probe's lookups: ``(rows, tables)`` keys and whether each row is a runner-up. Per
    indexed cylinder and each of two direction bins (its own, the nearer neighbour): the
    gallery's key, and for each MinHash a key with that hash's runner-up cell instead
    (multi-probe LSH), which finds a mate whose first cell is missing from the probe or vice
    versa."""
    n = bits.shape[0]
    tables, hashes, _ = orders.shape
    variants = 1 + hashes
    keys = np.full((n * 2 * variants, tables), -1, dtype=np.int64)
    runner_up = np.zeros(n * 2 * variants, dtype=np.bool_)
    first = np.empty(hashes, dtype=np.int64)
    second = np.empty(hashes, dtype=np.int64)
    lows = np.empty(hashes, dtype=np.int64)
    row = 0
    for m in range(n):
        if not is_indexed(bits, usable, m, min_set):
            continue
        own, nearer = _direction_bin(theta[m])
        for t in range(tables):
            for j in range(hashes):
                first[j] = first_set(bits, m, orders[t, j], -1)
                second[j] = first_set(bits, m, orders[t, j], first[j])
            for side in range(2):
                d = own if side == 0 else nearer
                for v in range(variants):
                    lows[:] = first
                    if v > 0:
                        if second[v - 1] >= orders.shape[2]:
                            continue
                        lows[v - 1] = second[v - 1]
                    keys[row + side * variants + v, t] = _key(position, d, t, lows)
        for side in range(2):
            for v in range(1, variants):
                runner_up[row + side * variants + v] = True
        row += 2 * variants
    return keys[:row], runner_up[:row]


def _checked_orders(
    template: Template, position: int, params: IndexParams
) -> npt.NDArray[np.int32]:
    """The rank orders for a template's cylinders, once ``position`` is known to be valid."""
    if not 0 <= position < POSITIONS:
        raise ValueError(f"finger position {position} out of range 0..{POSITIONS - 1}")
    return rank_orders(params, int(template.cylinders.bits.shape[1]) * 64)


def cylinder_keys(
    template: Template, position: int, params: IndexParams, spread: int = 0
) -> npt.NDArray[np.int64]:
    """``(rows, tables)`` LSH keys of a template's cylinders for finger ``position``: one row per
    cylinder for each direction bin from ``-spread`` to ``+spread`` around its own; rows with
    no key in any table are dropped."""
    orders = _checked_orders(template, position, params)
    cyl = template.cylinders
    if len(template) == 0:
        return np.zeros((0, params.tables), dtype=np.int64)
    parts = [
        _minhash_keys(
            cyl.bits, cyl.usable, template.theta, position, turn, orders, params.min_set_cells
        )
        for turn in range(-spread, spread + 1)
    ]
    return _rows_with_a_key(parts[0] if len(parts) == 1 else np.concatenate(parts))


@compiled()
def _rows_with_a_key(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``keys[(keys != NO_KEY).any(axis=1)]`` in one compiled pass (every enrolled template)."""
    kept = np.empty_like(keys)
    count = 0
    for row in range(keys.shape[0]):
        for table in range(keys.shape[1]):
            if keys[row, table] != NO_KEY:
                kept[count] = keys[row]
                count += 1
                break
    return kept[:count].copy()


RUNNER_UP_WEIGHT = 0.5
"""Vote weight of a multi-probe lookup (one MinHash replaced by its runner-up cell) against 1
for the exact key (0.3 and 0.7 measured a little worse at 100,000 templates)."""
RUNNER_UP_MAX_BUCKET = 1 / 200
"""Runner-up lookups skip buckets holding more than this share of the gallery: such common
keys weigh little and cost most of the scan (at 100,000 templates this kept the postings a
search reads at 1.25 million, as many as before multi-probe, for 0.8 points of recall)."""
MAX_BUCKET = 1 / 20
"""Every lookup skips buckets holding more than this share of the gallery (at least 1,000)."""


def probe_keys(
    template: Template, position: int, params: IndexParams
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """The lookups of a probe's cylinders for finger ``position``: ``(rows, tables)`` keys and
    which rows are runner-up (multi-probe) lookups (see ``_probe_keys``)."""
    orders = _checked_orders(template, position, params)
    if len(template) == 0:
        return np.zeros((0, params.tables), dtype=np.int64), np.zeros(0, dtype=np.bool_)
    cyl = template.cylinders
    return _probe_keys(cyl.bits, cyl.usable, template.theta, position, orders, params.min_set_cells)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


POSTINGS_PER_BUCKET = 8
"""Hashed buckets hold a few keys: a key's own postings outnumber strangers' at scale (hundreds
at a million templates), and fewer buckets keep the offsets small (about 0.5 bytes per
posting)."""


def bucket_bits(postings_per_table: int) -> int:
    """log2 of the buckets per table: the power of two nearest to ``POSTINGS_PER_BUCKET``
    postings a bucket (5.7 to 11.3; rounding up could double the offsets), at least 2**10."""
    return max(10, round(math.log2(max(postings_per_table, 1) / POSTINGS_PER_BUCKET)))


@compiled()
def _slots(keys: npt.NDArray[np.int64], log_buckets: int) -> npt.NDArray[np.int64]:
    """Fibonacci hashing of keys into ``2**log_buckets`` slots (-1 stays -1)."""
    out = np.full(keys.shape, -1, dtype=np.int64)
    shift = np.uint64(64 - log_buckets)
    for t in range(keys.shape[0]):
        for c in range(keys.shape[1]):
            if keys[t, c] >= 0:
                out[t, c] = np.int64((np.uint64(keys[t, c]) * _GOLDEN) >> shift)
    return out


@compiled()
def _table(
    template_ids: npt.NDArray[np.int32],
    keys: npt.NDArray[np.uint32],
    log_buckets: int,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """One table's CSR posting lists from its stored keys (``STORED_NO_KEY``: none): bucket
    ``offsets`` and the template numbers. A template is posted at most once per bucket (its
    cylinders come grouped by template)."""
    n = keys.size
    buckets = 1 << log_buckets
    shift = np.uint64(64 - log_buckets)
    slots = np.full(n, -1, dtype=np.int64)
    counts = np.zeros(buckets + 1, dtype=np.int64)
    for c in range(n):
        if keys[c] == STORED_NO_KEY:
            continue
        k = np.int64((np.uint64(keys[c]) * _GOLDEN) >> shift)
        duplicate = False
        c2 = c - 1
        while c2 >= 0 and template_ids[c2] == template_ids[c]:
            if slots[c2] == k:
                duplicate = True
                break
            c2 -= 1
        if duplicate:
            continue
        slots[c] = k
        counts[k + 1] += 1
    offsets = np.zeros(buckets + 1, dtype=np.uint32)
    run = 0
    for b in range(buckets):
        run += counts[b + 1]
        offsets[b + 1] = run
    postings = np.empty(run, dtype=np.uint32)
    fill = offsets[:-1].astype(np.int64)
    for c in range(n):
        k = slots[c]
        if k >= 0:
            postings[fill[k]] = template_ids[c]
            fill[k] += 1
    return offsets, postings


@compiled()
def _vote(
    slots: npt.NDArray[np.int64],
    row_weights: npt.NDArray[np.float32],
    row_limits: npt.NDArray[np.int64],
    bases: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.uint32],
    postings: npt.NDArray[np.uint8],
    width: int,
    votes: npt.NDArray[np.float32],
) -> None:
    """Add each template's collisions with the probe, weighted by the lookup's own weight
    times the bucket's inverse document frequency, log(templates / postings in the bucket),
    skipping buckets larger than the lookup's limit. Postings are ``width``-byte
    little-endian template numbers."""
    templates = votes.size
    tables, n = slots.shape
    for t in range(tables):
        for c in range(n):
            k = slots[t, c]
            if k < 0:
                continue
            start = bases[t] + np.int64(offsets[t, k])
            end = bases[t] + np.int64(offsets[t, k + 1])
            size = end - start
            if size == 0 or size > row_limits[c] or size >= templates:
                continue
            weight = np.float32(row_weights[c] * np.log(templates / size))
            for q in range(start * width, end * width, width):
                number = np.int64(postings[q]) | (np.int64(postings[q + 1]) << 8)
                number |= np.int64(postings[q + 2]) << 16
                if width == 4:
                    number |= np.int64(postings[q + 3]) << 24
                votes[number] += weight


def posting_width(templates: int) -> int:
    """Bytes a posting takes: 3 (template numbers below 2**24, ~16.7 million), else 4. A
    quarter less than 32-bit numbers, at no cost in recall: the room for more lookups."""
    return 3 if templates <= 1 << 24 else 4


def pack_postings(numbers: npt.NDArray[np.uint32], width: int) -> npt.NDArray[np.uint8]:
    """Template numbers as ``width``-byte little-endian integers, one after the other."""
    if numbers.size and int(numbers.max()) >> (8 * width):
        raise ValueError(f"template number {int(numbers.max())} does not fit {width} bytes")
    as_bytes = np.ascontiguousarray(numbers, dtype="<u4").view(np.uint8).reshape(-1, 4)
    packed: npt.NDArray[np.uint8] = np.ascontiguousarray(as_bytes[:, :width]).reshape(-1)
    return packed


def unpack_postings(packed: npt.NDArray[np.uint8], width: int) -> npt.NDArray[np.uint32]:
    """The inverse of ``pack_postings``."""
    wide = np.zeros((packed.size // width, 4), dtype=np.uint8)
    wide[:, :width] = np.asarray(packed).reshape(-1, width)
    numbers: npt.NDArray[np.uint32] = wide.view("<u4").reshape(-1).astype(np.uint32)
    return numbers


def top_voted(votes: npt.NDArray[np.floating], count: int) -> npt.NDArray[np.int64]:
    """Indices of the ``count`` largest positive votes, best first."""
    hit = np.flatnonzero(votes > 0)
    if hit.size > count:
        hit = hit[np.argpartition(votes[hit], -count)[-count:]]
    ranked: npt.NDArray[np.int64] = hit[np.argsort(-votes[hit], kind="stable")]
    return ranked


def index_scale(template_ids: npt.NDArray[np.int32], size: int) -> npt.NDArray[np.float32]:
    """Per template: 1 / its indexed cylinders (see ``LshIndex.scale``)."""
    cylinders = np.bincount(template_ids, minlength=size)[:size]
    scale: npt.NDArray[np.float32] = (1.0 / np.maximum(cylinders, 1)).astype(np.float32)
    return scale


def build_table(
    template_ids: npt.NDArray[np.int32], keys: npt.NDArray[np.uint32], log_buckets: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """One table (``offsets``, ``postings``) from stored keys, for builders that stream tables
    to disk one at a time."""
    return _table(template_ids, keys, log_buckets)


class LshIndex:
    """Posting lists of template numbers by (table, hashed key), 3 bytes a posting."""

    def __init__(
        self,
        params: IndexParams,
        bases: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.uint32],
        postings: npt.NDArray[np.uint8],
        scale: npt.NDArray[np.float32],
    ) -> None:
        self.params = params
        self.scale = scale
        """Per template: 1 / its indexed cylinders. A template with many cylinders collects
        many chance votes; divided by its size, its votes measure agreement, not bulk."""
        self.size = int(scale.size)
        """Template numbers run 0..size-1."""
        self.bases = bases
        self.offsets = offsets
        self.log_buckets = int(offsets.shape[1] - 1).bit_length() - 1
        self.postings = postings
        """Template numbers, ``width`` bytes each (``pack_postings``), table after table."""
        self.width = posting_width(self.size)

    @staticmethod
    def build(
        template_ids: npt.NDArray[np.int64],
        keys: npt.NDArray[np.int64],
        size: int,
        params: IndexParams | None = None,
    ) -> LshIndex:
        """Index cylinder ``keys`` (``cylinder_keys`` rows, grouped by template number)."""
        p = params or IndexParams()
        if keys.shape[1:] != (p.tables,) or keys.shape[0] != template_ids.size:
            raise ValueError(f"keys {keys.shape} do not fit {template_ids.size} x {p.tables}")
        stored = np.where(keys == NO_KEY, STORED_NO_KEY, keys).astype(np.uint32)
        owners = template_ids.astype(np.int32)
        log_buckets = bucket_bits(keys.shape[0])
        parts = [
            _table(owners, np.ascontiguousarray(stored[:, t]), log_buckets) for t in range(p.tables)
        ]
        bases = np.cumsum([0] + [len(postings) for _, postings in parts[:-1]]).astype(np.int64)
        offsets = np.stack([o for o, _ in parts])
        postings = np.concatenate([q for _, q in parts])
        packed = pack_postings(postings, posting_width(size))
        return LshIndex(p, bases, offsets, packed, index_scale(owners, size))

    def votes(
        self,
        probe: Template,
        position: int,
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.float32]:
        """Every template's vote from ``probe`` (0 where not ``allowed``)."""
        votes = np.zeros(self.size, dtype=np.float32)
        keys, runner_up = probe_keys(probe, position, self.params)
        slots = _slots(np.ascontiguousarray(keys.T), self.log_buckets)
        weights = np.where(runner_up, RUNNER_UP_WEIGHT, 1.0).astype(np.float32)
        exact_limit = max(1000, int(self.size * MAX_BUCKET))
        runner_up_limit = max(500, int(self.size * RUNNER_UP_MAX_BUCKET))
        limits = np.where(runner_up, runner_up_limit, exact_limit).astype(np.int64)
        args = (self.bases, self.offsets, self.postings, self.width, votes)
        _vote(slots, weights, limits, *args)
        votes *= self.scale
        if allowed is not None:
            votes[~allowed[: self.size]] = 0.0
        return votes

    def candidates(
        self,
        probe: Template,
        position: int,
        count: int,
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> npt.NDArray[np.int64]:
        """The ``count`` template numbers of ``position`` with most votes from ``probe``."""
        votes = self.votes(probe, position, allowed)
        return top_voted(votes, count)

    @property
    def nbytes(self) -> int:
        arrays = (self.bases, self.offsets, self.postings, self.scale)
        return sum(int(a.nbytes) for a in arrays)
