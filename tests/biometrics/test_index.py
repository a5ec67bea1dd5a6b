"""The LSH index: keys, collisions of mated cylinders, candidate ranking."""

from __future__ import annotations

import numpy as np
import pytest

from scomm.biometrics import Template
from scomm.biometrics.index import IndexParams, LshIndex, cylinder_keys
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


def test_mated_impressions_share_far_more_keys_than_strangers() -> None:
    # synthetic captures overlap as little as real ones sometimes do (partial, off-centre
    # contact), so one mated pair may share few keys: judge over several people
    mated, strangers, beaten = [], [], 0
    for identity in range(1, 7):
        a = cylinder_keys(impression(identity, 0), 1, PARAMS)
        mate = shared_keys(a, cylinder_keys(impression(identity, 1), 1, PARAMS, spread=1))
        others = [
            shared_keys(a, cylinder_keys(impression(i, 1), 1, PARAMS, spread=1))
            for i in range(1, 9)
            if i != identity
        ]
        mated.append(mate)
        strangers.extend(others)
        beaten += mate > max(others)
    assert np.mean(mated) > 2.5 * np.mean(strangers)
    assert beaten >= 3


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
