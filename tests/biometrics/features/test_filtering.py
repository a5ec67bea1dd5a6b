from __future__ import annotations

import math

import numpy as np

from scomm.biometrics.features.filtering import MinutiaeFilter
from scomm.biometrics.features.minutiae import (
    BIFURCATION,
    ENDING,
    HIT_ENDING,
    HIT_JUNCTION,
    RAN_ON,
    RawMinutiae,
)

PERIOD = 10.0
# name: (y, x, theta, kind, what its trace met, steps, where the trace ended (y, x))
CANDIDATES = {
    "spur": (100, 50, 0.0, ENDING, HIT_ENDING, 8, (100, 58)),
    "spur's end": (100, 58, math.pi, ENDING, HIT_ENDING, 8, (100, 50)),
    "bridge": (50, 100, 0.0, BIFURCATION, HIT_JUNCTION, 12, (50, 112)),
    "bridge's end": (50, 112, math.pi, BIFURCATION, RAN_ON, 14, (50, 126)),
    "broken left": (150, 100, math.pi, ENDING, RAN_ON, 14, (150, 86)),
    "broken right": (150, 110, 0.0, ENDING, RAN_ON, 14, (150, 124)),
    "lone": (150, 160, 1.0, ENDING, RAN_ON, 14, (160, 170)),
    "near the border": (5, 100, 0.0, ENDING, RAN_ON, 14, (5, 114)),
    "cluster a": (30, 160, 0.0, BIFURCATION, RAN_ON, 14, (30, 174)),
    "cluster b": (30, 166, 0.0, BIFURCATION, RAN_ON, 14, (30, 180)),
    "cluster c": (36, 160, 0.0, BIFURCATION, RAN_ON, 14, (36, 174)),
    "cluster d": (36, 166, 0.0, BIFURCATION, RAN_ON, 14, (36, 180)),
    "parallel a": (180, 40, 0.0, ENDING, RAN_ON, 14, (180, 54)),
    "parallel b": (180, 50, 0.0, ENDING, RAN_ON, 14, (180, 64)),
    "long ridge": (120, 20, 0.0, ENDING, HIT_ENDING, 30, (120, 50)),
}


def _raw(names: list[str]) -> RawMinutiae:
    rows = [CANDIDATES[name] for name in names]

    def column(index: int, dtype: type) -> np.ndarray:
        return np.array([row[index] for row in rows], dtype=dtype)

    return RawMinutiae(
        y=column(0, np.int64),
        x=column(1, np.int64),
        theta=column(2, np.float64),
        kind=column(3, np.int64),
        hit_code=column(4, np.int64),
        hit_steps=column(5, np.int64),
        hit_y=np.array([row[6][0] for row in rows], dtype=np.int64),
        hit_x=np.array([row[6][1] for row in rows], dtype=np.int64),
    )


def test_each_rule_removes_its_false_minutiae_and_keeps_the_rest() -> None:
    names = list(CANDIDATES)
    raw = _raw(names)
    mask = np.ones((200, 200), dtype=bool)
    coherence = np.ones((200, 200), dtype=np.float32)
    kept = MinutiaeFilter().run(raw, mask, coherence, PERIOD)
    survivors = {
        name for name, (y, x, *_rest) in CANDIDATES.items() if ((kept.y == y) & (kept.x == x)).any()
    }
    assert survivors == {"lone", "parallel a", "parallel b", "long ridge"}
    # reliability: coherence times depth, saturating 42 px from the background
    lone = int(np.flatnonzero((kept.y == 150) & (kept.x == 160))[0])
    assert math.isclose(kept.reliability[lone], 40 / 42, rel_tol=1e-3)


def test_no_candidates_give_no_minutiae() -> None:
    empty = _raw([])
    kept = MinutiaeFilter().run(empty, np.ones((50, 50), bool), np.ones((50, 50), np.float32), 9.0)
    assert len(kept) == 0
