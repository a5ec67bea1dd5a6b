"""The LSH index: keys, collisions of mated cylinders, candidate ranking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scomm.biometrics import Template
from scomm.biometrics.index import (
    DIRECTION_BINS,
    NO_KEY,
    IndexParams,
    LshIndex,
    _permutations,
    _rows_with_a_key,
    cylinder_keys,
    pack_postings,
    posting_width,
    probe_keys,
    unpack_postings,
)
from scomm.biometrics.search import minutiae_template
from scomm.biometrics.synthetic.templates import synthesize_master_template, template_impression
from scomm.domain import FingerPosition as F

PARAMS = IndexParams()


def impression(identity: int, index: int) -> Template:
    master = synthesize_master_template(31, identity, F.RIGHT_THUMB)
    return minutiae_template(template_impression(master, index))


def shared_keys(a: np.ndarray, b: np.ndarray) -> int:
    return sum(len(set(a[:, t]) & set(b[:, t]) - {-1}) for t in range(a.shape[1]))


def test_keys_are_deterministic_and_depend_on_the_finger_position() -> None:
    t = impression(0, 0)
    k1 = cylinder_keys(t, 1, PARAMS)
    assert k1.shape[1] == PARAMS.tables and len(k1) > 10
    assert np.array_equal(k1, cylinder_keys(t, 1, PARAMS))
    assert shared_keys(k1, cylinder_keys(t, 6, PARAMS)) == 0
    spread = cylinder_keys(t, 1, PARAMS, spread=1)
    assert len(spread) == 3 * len(k1)
    with pytest.raises(ValueError, match="position 16"):
        cylinder_keys(t, 16, PARAMS)


def test_a_key_hashes_the_least_ranked_set_cells_of_its_cylinder() -> None:
    """The keys against MinHash written out from its definition: per table, the least rank
    (under each of the table's permutations) of the cylinder's set cells."""
    t = impression(3, 0)
    bits, position = t.cylinders.bits, 4
    ranks = _permutations(PARAMS, bits.shape[1] * 64)
    expected = []
    for m in range(len(t)):
        cells = np.flatnonzero(np.unpackbits(bits[m].view(np.uint8), bitorder="little"))
        if not t.cylinders.usable[m] or cells.size < PARAMS.min_set_cells:
            continue
        d = int(t.theta[m] * DIRECTION_BINS / (2 * np.pi)) % DIRECTION_BINS
        row = []
        for table in range(PARAMS.tables):
            h = ((position * DIRECTION_BINS + d) * 1315423911 + table) % 2**64
            for j in range(PARAMS.hashes):
                h = ((h ^ int(ranks[table, j, cells].min())) * 0x100000001B3) % 2**64
            row.append((h ^ (h >> 29)) & 0xFFFFFFFF)
        expected.append(row)
    assert np.array_equal(cylinder_keys(t, position, PARAMS), np.array(expected))


def test_mated_impressions_share_far_more_keys_than_strangers() -> None:
    mated, stranger = [], []
    for i in range(1, 21):
        a = cylinder_keys(impression(i, 0), 1, PARAMS)
        mated.append(shared_keys(a, cylinder_keys(impression(i, 1), 1, PARAMS, spread=1)))
        stranger.append(shared_keys(a, cylinder_keys(impression(i + 20, 1), 1, PARAMS, spread=1)))
    # DB1_B-like captures: a small contact area leaves a mate few keys now and then
    assert sum(m > s for m, s in zip(mated, stranger, strict=True)) >= 15
    assert np.mean(mated) > 2 * np.mean(stranger)


def test_the_mate_is_among_the_first_candidates() -> None:
    gallery = [impression(i, 0) for i in range(30)]
    keys = [cylinder_keys(t, 1, PARAMS) for t in gallery]
    owners = np.concatenate([np.full(len(k), i) for i, k in enumerate(keys)]).astype(np.int64)
    index = LshIndex.build(owners, np.concatenate(keys), 30, PARAMS)
    assert index.size == 30 and index.nbytes > 0
    found = [index.candidates(impression(i, 2), 1, 5) for i in range(0, 30, 3)]
    assert sum(i * 3 in f for i, f in enumerate(found)) >= 8
    allowed = np.ones(30, dtype=bool)
    allowed[0] = False
    assert 0 not in index.candidates(impression(0, 2), 1, 30, allowed)


def test_keys_that_do_not_fit_the_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        LshIndex.build(np.zeros(3, dtype=np.int64), np.zeros((3, 5), dtype=np.int64), 1, PARAMS)


@given(st.lists(st.integers(0, 2**24 - 1), max_size=200), st.sampled_from([3, 4]))
def test_packed_postings_read_back_as_the_template_numbers(numbers: list[int], width: int) -> None:
    values = np.array(numbers, dtype=np.uint32)
    packed = pack_postings(values, width)
    assert packed.dtype == np.uint8 and packed.size == width * values.size
    assert np.array_equal(unpack_postings(packed, width), values)


def test_postings_take_three_bytes_up_to_2_to_the_24_templates() -> None:
    assert posting_width(1 << 24) == 3 and posting_width((1 << 24) + 1) == 4
    with pytest.raises(ValueError, match="does not fit 3 bytes"):
        pack_postings(np.array([1 << 24], dtype=np.uint32), 3)


def written_out_key(position: int, direction: int, table: int, lows: list[int]) -> int:
    h = ((position * DIRECTION_BINS + direction) * 1315423911 + table) % 2**64
    for low in lows:
        h = ((h ^ low) * 0x100000001B3) % 2**64
    return (h ^ (h >> 29)) & 0xFFFFFFFF


def test_probe_lookups_are_the_gallery_keys_and_their_runner_ups() -> None:
    """Each probe cylinder looks up its own key in its own direction bin and the nearer
    neighbouring one, and per MinHash the key with that hash's runner-up cell (a runner-up
    lookup), written out here from the definitions."""
    t = impression(5, 1)
    position = 2
    keys, runner_up = probe_keys(t, position, PARAMS)
    variants = 1 + PARAMS.hashes
    bits = t.cylinders.bits
    cells = [np.flatnonzero(np.unpackbits(b.view(np.uint8), bitorder="little")) for b in bits]
    indexed = [
        m for m in range(len(t)) if t.cylinders.usable[m] and cells[m].size >= PARAMS.min_set_cells
    ]
    assert keys.shape == (2 * variants * len(indexed), PARAMS.tables)
    assert np.array_equal(keys[:: 2 * variants], cylinder_keys(t, position, PARAMS))
    ranks = _permutations(PARAMS, bits.shape[1] * 64)
    for i, m in enumerate(indexed[:5]):
        f = t.theta[m] * DIRECTION_BINS / (2 * np.pi)
        own = int(f) % DIRECTION_BINS
        nearer = (int(f) + (1 if f % 1.0 >= 0.5 else -1)) % DIRECTION_BINS
        for table in (0, PARAMS.tables - 1):
            sorted_ranks = [np.sort(ranks[table, j, cells[m]]) for j in range(PARAMS.hashes)]
            first = [int(r[0]) for r in sorted_ranks]
            for side, direction in enumerate((own, nearer)):
                row = (2 * i + side) * variants
                assert keys[row, table] == written_out_key(position, direction, table, first)
                for j in range(PARAMS.hashes):
                    lows = first.copy()
                    lows[j] = int(sorted_ranks[j][1])
                    expected = written_out_key(position, direction, table, lows)
                    assert keys[row + 1 + j, table] == expected
    assert not runner_up[::variants].any()
    assert np.delete(runner_up, np.s_[::variants]).all()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 50), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_rows_with_a_key_are_numpys_selection(rows: int, tables: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (rows, tables)
    keys = np.where(rng.random(shape) < 0.9, NO_KEY, rng.integers(0, 2**32, shape))
    want = keys[(keys != NO_KEY).any(axis=1)]
    assert np.array_equal(_rows_with_a_key(keys), want)
